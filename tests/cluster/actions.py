"""Set-up steps for the cluster checks, run inside the cluster's own Django settings:

    python -m tests.cluster.actions ACTION [ARG]      (prints one JSON object)

The cluster tests' own process talks to the cluster only over HTTP and SQL; whatever needs
the site's models (factories, the benchmark's due reminders) runs here, in a separate process
whose environment is the cluster's, with DATABASE_URL pointing straight at the primary.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import uuid

import django


def race() -> dict:
    """A therapist with working hours, two patients who may book follow-ups online, and a
    slot both are offered."""
    from django.utils import timezone

    from bookings.online import forms, selectors
    from clinic.models import User
    from tests.bookings.factories import give_hours
    from tests.bookings.online_helpers import existing_patient, online_follow_up
    from tests.conftest import PASSWORD, make_user

    tag = uuid.uuid4().hex[:8]
    therapist = make_user(f"race-{tag}@cluster.example", User.Role.THERAPIST, first_name="Rae")
    give_hours(therapist)
    seen = timezone.now() - dt.timedelta(days=7)
    patients = [
        existing_patient(
            email=f"race-{tag}-{n}@cluster.example",
            therapist=therapist,
            seen=seen - dt.timedelta(hours=n),
        )
        for n in range(2)
    ]
    kind = online_follow_up()
    now = timezone.now()
    zone = selectors.patient_zone(patients[0])
    for days in range(3, 20):
        day = now.astimezone(zone).date() + dt.timedelta(days=days)
        start = dt.datetime.combine(day, dt.time(10, 0), tzinfo=zone).astimezone(dt.UTC)
        if all(
            selectors.slot_on_offer(
                patient=p, appointment_type=kind, therapist=therapist, start=start, now=now
            )
            for p in patients
        ):
            break
    else:
        raise SystemExit("no slot on offer in the next 20 days")
    return {
        "emails": [p.email for p in patients],
        "password": PASSWORD,
        "therapist": str(therapist.public_id),
        "therapist_id": therapist.pk,
        "appointment_type": str(kind.public_id),
        "start": forms.format_start(start),
        "start_iso": start.isoformat(),
    }


def reminders(count: str) -> dict:
    """`count` exercise reminders due now (the benchmark's set-up on the seeded data)."""
    from bench.reminders import reminders_make_due
    from notifications.models import ReminderSchedule

    due = reminders_make_due(int(count))
    emails = list(
        ReminderSchedule.objects.filter(next_due_at=due).values_list("patient__email", flat=True)
    )
    return {"due": due.isoformat(), "emails": emails}


def patient() -> dict:
    """A registered patient (of the seed) for the write-then-read check."""
    from patients.models import Patient

    row = Patient.objects.filter(archived_at=None).order_by("id").first()
    return {"public_id": str(row.public_id)}


ACTIONS = {"race": race, "reminders": reminders, "patient": patient}


def main() -> None:
    django.setup()
    action, *args = sys.argv[1:]
    print(json.dumps(ACTIONS[action](*args)))


if __name__ == "__main__":
    main()
