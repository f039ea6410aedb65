"""Factories and small helpers for booking tests. Times are written in clinic local time."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import factory
from django.urls import reverse

from bookings.models import Appointment, AppointmentType, Room, ScheduleException, WorkingHours
from clinic.sites import default_site
from tests.patients.factories import PatientFactory

LONDON = ZoneInfo("Europe/London")


def at(day: dt.date | str, hhmm: str) -> dt.datetime:
    """An aware UTC datetime for a London wall-clock time, e.g. at("2026-03-29", "09:00")."""
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    hour, minute = (int(part) for part in hhmm.split(":"))
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON).astimezone(dt.UTC)


# The data migration creates both types; transactional tests (browser, concurrency) flush the
# tables afterwards, so fetch-or-create rather than rely on the migration's rows.
def follow_up() -> AppointmentType:
    return AppointmentType.objects.get_or_create(
        slug="follow-up", defaults={"name": "Follow-up", "duration_minutes": 30}
    )[0]


def initial_assessment() -> AppointmentType:
    return AppointmentType.objects.get_or_create(
        slug="initial-assessment", defaults={"name": "Initial assessment", "duration_minutes": 60}
    )[0]


def give_hours(therapist, *, weekdays=range(7), start="09:00", end="17:00") -> None:
    for weekday in weekdays:
        WorkingHours.objects.create(
            therapist=therapist,
            weekday=weekday,
            start_time=dt.time.fromisoformat(start),
            end_time=dt.time.fromisoformat(end),
        )


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Room

    name = factory.Sequence(lambda n: f"Room {n}")


class ScheduleExceptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ScheduleException

    kind = ScheduleException.Kind.LEAVE
    # Extra hours are at a site (the default one unless a test says); leave names none.
    site = factory.LazyAttribute(
        lambda item: default_site() if item.kind == ScheduleException.Kind.EXTRA else None
    )


class AppointmentFactory(factory.django.DjangoModelFactory):
    """Writes straight to the table: no hours or clash checks (tests of the rules use services)."""

    class Meta:
        model = Appointment

    patient = factory.SubFactory(PatientFactory)
    appointment_type = factory.LazyFunction(follow_up)
    start = factory.LazyFunction(lambda: at("2026-03-24", "10:00"))
    end = factory.LazyAttribute(lambda o: o.start + o.appointment_type.duration)


def week_html(client, therapist, monday: str) -> str:
    """The week calendar of `therapist` for the week of `monday`, as `client` is shown it."""
    response = client.get(
        reverse("bookings:week"), {"date": monday, "therapist": therapist.public_id}
    )
    assert response.status_code == 200
    return response.content.decode()
