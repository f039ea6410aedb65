"""The front desk and patients at work during `make bench`'s staff_mix_writes workload.

    python bench/writer.py [PER_SECOND]

Twice a second (PER_SECOND) it changes one appointment and one patient through the ordinary
services, as the site's own pages do: reception moves a booked appointment to the evening and,
on the next tick, back to where it was (`bookings.services.appointment_move`, which also queues
the patient's email on Celery's `default` queue once the move commits), and a patient's phone
number and weekly distance change (`patients.services.patient_update`, with its history row).
It costs about 3 % of two cores at two ticks a second (docs/performance.md, stop 29). Runs
until SIGTERM or SIGINT, then prints one line:

    writer-result {"ticks": n, "writes": n, "refused": n, "errors": n, "seconds": n,
                   "ticks_per_s": n}

"refused" counts moves a service declined (a slot taken meanwhile); errors are anything else.
Needs DJANGO_SETTINGS_MODULE and the database of the site under test in the environment.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import signal
import sys
import time
import traceback
from pathlib import Path
from zoneinfo import ZoneInfo

CANDIDATES = 2_000  # appointments and patients to choose from, read once
EVENING = dt.time(20, 0)  # outside everyone's working hours: never taken by the data set


class Writer:
    def __init__(self, *, rng: random.Random):
        from django.conf import settings
        from django.utils import timezone

        from bookings.models import Appointment
        from clinic.models import User
        from patients.models import Patient

        self.rng = rng
        self.zone = ZoneInfo(settings.TIME_ZONE)
        self.by = User.objects.filter(role=User.Role.RECEPTION).order_by("id").first()
        soon = timezone.now() + dt.timedelta(days=1)
        self.appointments = list(
            Appointment.objects.filter(status=Appointment.Status.BOOKED, start__gte=soon)
            .order_by("start")
            .values_list("id", flat=True)[:CANDIDATES]
        )
        self.patients = list(
            Patient.objects.filter(archived_at__isnull=True)
            .order_by("id")
            .values_list("id", flat=True)[:CANDIDATES]
        )
        if not self.appointments or not self.patients:
            raise RuntimeError("no booked appointment ahead or no patient to change")
        self.moved: tuple[int, dt.datetime] | None = None  # (id, where it was)
        self.counts = {"ticks": 0, "writes": 0, "refused": 0, "errors": 0}

    def tick(self) -> None:
        """One appointment change and one patient change."""
        self.counts["ticks"] += 1
        for change in (self.appointment_change, self.patient_change):
            try:
                change()
                self.counts["writes"] += 1
            except Exception as exc:  # counted and reported; the run goes on
                from bookings.services import BookingConflictError, BookingNotAllowedError

                if isinstance(exc, BookingConflictError | BookingNotAllowedError):
                    self.counts["refused"] += 1
                else:
                    self.counts["errors"] += 1
                    traceback.print_exc(file=sys.stderr)

    def appointment_change(self) -> None:
        from bookings.models import Appointment
        from bookings.services import appointment_move

        if self.moved is not None:
            appointment_id, start = self.moved
            self.moved = None
        else:
            appointment_id = self.rng.choice(self.appointments)
            start = None
        appointment = Appointment.objects.select_related("appointment_type", "room").get(
            pk=appointment_id
        )
        if start is None:
            self.moved = (appointment.pk, appointment.start)
            day = appointment.start.astimezone(self.zone).date()
            start = dt.datetime.combine(day, EVENING, tzinfo=self.zone)
        appointment_move(
            appointment=appointment,
            start=start,
            by=self.by,
            room=appointment.room,
            allow_outside_hours=True,
        )

    def patient_change(self) -> None:
        from patients.models import Patient
        from patients.services import patient_update

        # A new mobile number (the generated ones are in Ofcom's drama range, which the form
        # and the model refuse) and this week's running distance.
        patient = Patient.objects.get(pk=self.rng.choice(self.patients))
        patient_update(
            patient=patient,
            phone=f"+447400{self.rng.randint(100_000, 999_999)}",
            weekly_km=self.rng.randint(5, 120),
        )


def run(writer: Writer, *, per_second: float, should_stop) -> dict:
    """Tick on a fixed schedule (not a sleep after each tick) until should_stop()."""
    started = time.monotonic()
    next_at = started
    while not should_stop():
        writer.tick()
        next_at += 1 / per_second
        time.sleep(max(0.0, next_at - time.monotonic()))
    seconds = time.monotonic() - started
    # Below per_second when a tick takes longer than its share of a second (a loaded machine).
    ticks_per_s = round(writer.counts["ticks"] / seconds, 2) if seconds else 0.0
    return {**writer.counts, "seconds": round(seconds, 1), "ticks_per_s": ticks_per_s}


def main() -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    per_second = float(sys.argv[1]) if len(sys.argv) > 1 else 2.0
    stop = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.append(True))
    writer = Writer(rng=random.Random(14))  # noqa: S311 (reproducible choices, not a secret)
    print("writer-ready", flush=True)
    result = run(writer, per_second=per_second, should_stop=lambda: bool(stop))
    if writer.moved is not None:  # leave the data set as it was
        writer.appointment_change()
    print("writer-result " + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
