"""Demo schedule: the demo therapist's hours, two rooms, and a week of appointments around
today so reception opens a real-looking calendar. Safe to run twice."""

from __future__ import annotations

import datetime as dt

from bookings import selectors, services
from bookings.models import Appointment, AppointmentType, Room, WorkingHours
from patients.models import Patient

DEFAULT_TYPES = [("initial-assessment", "Initial assessment", 60), ("follow-up", "Follow-up", 30)]
HOURS = [(dt.time(9, 0), dt.time(13, 0)), (dt.time(14, 0), dt.time(18, 0))]
WORKING_DAYS = range(0, 6)  # Monday to Saturday

EXTRA_PATIENTS = [
    ("Alex", "Strider", "alex.strider@example.com", dt.date(1991, 2, 3)),
    ("Morgan", "Hill", "morgan.hill@example.com", dt.date(1978, 9, 21)),
    ("Priya", "Pace", "priya.pace@example.com", dt.date(1995, 6, 14)),
]

# (days from today, local start, patient index (0 = the demo patient), type slug)
PLAN = [
    # The demo patient's course of care: three attended visits (treatment/demo.py writes
    # their session notes), then the next one booked.
    (-21, dt.time(10, 0), 0, "initial-assessment"),
    (-9, dt.time(10, 0), 0, "follow-up"),
    (-3, dt.time(9, 0), 1, "initial-assessment"),
    (-3, dt.time(14, 0), 2, "follow-up"),
    (-2, dt.time(10, 0), 0, "follow-up"),
    (-2, dt.time(11, 0), 3, "follow-up"),
    (-1, dt.time(9, 30), 1, "follow-up"),
    (-1, dt.time(15, 0), 3, "initial-assessment"),
    (0, dt.time(9, 0), 2, "follow-up"),
    (0, dt.time(11, 0), 1, "follow-up"),
    (0, dt.time(16, 0), 3, "follow-up"),
    (1, dt.time(10, 0), 2, "follow-up"),
    (1, dt.time(14, 30), 1, "follow-up"),
    (2, dt.time(10, 0), 0, "follow-up"),
    (2, dt.time(12, 0), 3, "follow-up"),
    (3, dt.time(9, 0), 1, "follow-up"),
    (3, dt.time(15, 0), 2, "initial-assessment"),
    (4, dt.time(11, 0), 3, "follow-up"),
]


def seed(context: dict) -> list[str]:
    therapist = context["therapist"]
    today = context["today"]
    zone = selectors.clinic_zone()
    for weekday in WORKING_DAYS:
        for start, end in HOURS:
            WorkingHours.objects.get_or_create(
                therapist=therapist, weekday=weekday, start_time=start, end_time=end
            )
    rooms = [Room.objects.get_or_create(name=name)[0] for name in ("Room 1", "Room 2")]
    patients = [context["patient"]]
    for first, last, email, born in EXTRA_PATIENTS:
        patient, _ = Patient.objects.get_or_create(
            email=email,
            defaults={
                "first_name": first,
                "last_name": last,
                "date_of_birth": born,
                "created_by": context["reception"],
            },
        )
        patients.append(patient)
    # Normally made by migration 0002; a flushed test database may have lost them.
    types = {
        slug: AppointmentType.objects.get_or_create(
            slug=slug, defaults={"name": name, "duration_minutes": minutes}
        )[0]
        for slug, name, minutes in DEFAULT_TYPES
    }
    now = dt.datetime.now(dt.UTC)
    made = 0
    for offset, local_time, who, slug in PLAN:
        day = today + dt.timedelta(days=offset)
        if day.weekday() not in WORKING_DAYS:
            if who != 0:
                continue
            # The demo patient's visits make the course of care: keep them, a day earlier.
            day -= dt.timedelta(days=1)
        start = dt.datetime.combine(day, local_time, tzinfo=zone).astimezone(dt.UTC)
        patient = patients[who]
        if Appointment.objects.filter(patient=patient, therapist=therapist, start=start).exists():
            continue
        try:
            appointment = services.appointment_book(
                patient=patient,
                therapist=therapist,
                appointment_type=types[slug],
                start=start,
                room=rooms[made % len(rooms)],
                by=context["reception"],
                notify=False,
            )
        except services.BookingConflictError:
            continue
        made += 1
        if appointment.end <= now:
            services.appointment_set_status(
                appointment=appointment, status=Appointment.Status.COMPLETED, by=therapist
            )
    return [
        f"bookings: {therapist.email} works Mon-Sat; "
        f"{Appointment.objects.filter(therapist=therapist).count()} appointment(s) on the calendar"
    ]
