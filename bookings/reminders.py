"""Appointment reminders: a booked appointment as a source for the shared reminder pipeline.

One reminder 24 hours before the start, with the same idempotency, consent and quiet-hours
rules as exercise reminders. Owned by the notifications work: the notifications app imports
this module when it starts, so bookings needs no change to its own configuration.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from bookings.models import Appointment
from bookings.places import Place, at_place, places_to_name
from notifications.models import ReminderSchedule
from notifications.replies import Handled, register_reply_handler
from notifications.schedules import reminder_schedule_end, reminder_schedule_ensure
from notifications.selectors import reminder_sent
from notifications.sms_budget import sms_first_that_fits
from notifications.sources import (
    Compose,
    Content,
    Due,
    ReminderSource,
    Skip,
    Subject,
    register,
)

SOURCE = "appointment"
LEAD_TIME = dt.timedelta(hours=24)
# The channels whose reminder asks for a Y or N reply (the text; the email links to the portal).
ASKS_FOR_REPLY = (ReminderSchedule.Channel.SMS,)


def _when(appointment: Appointment) -> str:
    local = appointment.start.astimezone(ZoneInfo(appointment.patient.time_zone))
    return f"{local:%A %-d %B} at {local:%H:%M}"


def _reminder_sms(when: str, place: Place | None, action_path: str) -> str:
    """The reminder text, naming the site (with its address when that fits in the text's
    length budget) when the clinic has several."""
    wordings = [
        f"Apex Clinic: reminder of your appointment on {when}{at}. "
        "Reply Y to confirm or N to cancel."
        for at in at_place(place)
    ]
    return sms_first_that_fits(wordings, action_path=action_path)


class AppointmentReminders(ReminderSource):
    name = SOURCE
    label = "Appointment reminders"
    recurring = False
    default_times = ()

    def check(self, dues: list[Due]) -> list[Skip | None]:
        appointments = Appointment.objects.in_bulk({due.subject_id for due in dues})
        verdicts: list[Skip | None] = []
        for due in dues:
            appointment = appointments.get(due.subject_id)
            if appointment is None:
                verdicts.append(Skip("The appointment no longer exists.", final=True))
            elif appointment.status != Appointment.Status.BOOKED:
                verdicts.append(
                    Skip(f"The appointment is {appointment.get_status_display().lower()}.", True)
                )
            elif appointment.start <= due.due_at:
                verdicts.append(Skip("The appointment has already started.", final=True))
            else:
                verdicts.append(None)
        return verdicts

    def compose(self, *, subject_id: int, local_date: dt.date, first_name: str) -> Content:
        return self.compose_many([Compose(subject_id, local_date, first_name)])[0]

    def compose_many(self, requests: list[Compose]) -> list[Content]:
        appointments = Appointment.objects.select_related(
            "patient", "therapist", "appointment_type"
        ).in_bulk({request.subject_id for request in requests})
        places = places_to_name(item.site_id for item in appointments.values())
        action_path = reverse("portal:appointments:list")
        contents = []
        for request in requests:
            appointment = appointments.get(request.subject_id)
            if appointment is None:
                raise Appointment.DoesNotExist(f"No appointment {request.subject_id}")
            when = _when(appointment)
            place = places.get(appointment.site_id)
            items = [
                ("With", appointment.therapist.get_full_name() or "your physiotherapist"),
                ("Length", f"{appointment.appointment_type.duration_minutes} minutes"),
            ]
            if place is not None:
                items.insert(0, ("Where", place.line))
            contents.append(
                Content(
                    subject="Your appointment at Apex Clinic tomorrow",
                    intro=f"This is a reminder of your appointment on {when}"
                    + (f" at {place.name}." if place else "."),
                    items=items,
                    action_label="See or cancel your appointments",
                    action_path=action_path,
                    sms=_reminder_sms(when, place, action_path),
                )
            )
        return contents

    def subjects_for_patient(self, *, patient_id: int) -> list[Subject]:
        soon = timezone.now() + LEAD_TIME
        starts = Appointment.objects.filter(
            patient_id=patient_id, status=Appointment.Status.BOOKED, start__gt=soon
        ).values_list("pk", "start")
        return [
            Subject(subject_id=pk, patient_id=patient_id, once_at=start - LEAD_TIME)
            for pk, start in starts
        ]

    def describe(self, subject_ids: list[int]) -> dict[int, str]:
        appointments = Appointment.objects.select_related("patient").filter(pk__in=subject_ids)
        return {
            appointment.pk: f"Appointment on {_when(appointment)}" for appointment in appointments
        }


register(AppointmentReminders())


def asked_to_confirm() -> Exists:
    """For annotating appointments: a reminder asking the patient to reply Y or N went out."""
    return reminder_sent(source=SOURCE, subject_id=OuterRef("pk"), channels=ASKS_FOR_REPLY)


def appointment_reply(*, patient, intent: str, now: dt.datetime) -> Handled | None:
    """Y confirms and N cancels the patient's next unconfirmed booked appointment (a
    cancellation inside the notice window is recorded as late); None when there is none."""
    from bookings.services import appointment_cancel, appointment_confirm

    appointment = (
        Appointment.objects.select_related("patient", "site")
        .filter(
            patient=patient,
            status=Appointment.Status.BOOKED,
            confirmed_at__isnull=True,
            start__gt=now,
        )
        .order_by("start")
        .first()
    )
    if appointment is None:
        return None
    when = _when(appointment)
    if intent == "yes":
        appointment_confirm(appointment=appointment, now=now)
        return Handled(
            f"Apex Clinic: thank you, your appointment on {when} is confirmed.",
            "confirmed appointment",
        )
    with transaction.atomic():
        appointment_cancel(
            appointment=appointment, by=None, reason="Cancelled by the patient's text reply"
        )
    number = appointment.site.phone_for_patients
    phone = f" Call {number} to book again." if number else ""
    return Handled(
        f"Apex Clinic: your appointment on {when} is cancelled.{phone}", "cancelled appointment"
    )


register_reply_handler("appointment", appointment_reply)


def appointment_reminder_follow(*, appointment: Appointment, created: bool = False) -> None:
    """Called by the booking services after an appointment is booked, moved, cancelled, marked
    or restored. Booked and more than LEAD_TIME away: (re)schedule the reminder for LEAD_TIME
    before the start; anything else (cancelled, attended, too soon): stop it."""
    if appointment.status == Appointment.Status.BOOKED:
        once_at = appointment.start - LEAD_TIME
        if once_at > timezone.now():
            reminder_schedule_ensure(
                source=SOURCE,
                subject_id=appointment.pk,
                patient=appointment.patient,
                once_at=once_at,
            )
            return
    if not created:
        reminder_schedule_end(source=SOURCE, subject_id=appointment.pk)


# Offers of freed slots to patients on the waitlist: registered on import, like the above.
import bookings.waitlist.reminders  # noqa: E402, F401
