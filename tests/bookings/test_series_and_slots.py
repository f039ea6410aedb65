"""Recurring series (all or nothing) and the free-slot finder."""

import datetime as dt

import pytest
import time_machine

from bookings import selectors, services
from bookings.models import Appointment, ScheduleException
from tests.bookings.factories import (
    AppointmentFactory,
    ScheduleExceptionFactory,
    at,
    follow_up,
    give_hours,
)

pytestmark = pytest.mark.django_db

MONDAY_BEFORE_CLOCKS_CHANGE = "2026-03-23"


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(at(MONDAY_BEFORE_CLOCKS_CHANGE, "08:00"), tick=False):
        yield


def series(patient, therapist, start, weeks=6):
    return services.appointment_series_book(
        patient=patient,
        therapist=therapist,
        appointment_type=follow_up(),
        start=start,
        weeks=weeks,
        by=None,
    )


def test_it_books_a_weekly_series_at_the_same_local_time_across_the_clock_change(
    patient, therapist
):
    give_hours(therapist)
    booked = series(patient, therapist, at("2026-03-24", "10:00"))
    local_times = {item.start.astimezone(selectors.clinic_zone()).time() for item in booked}
    assert local_times == {dt.time(10, 0)}
    assert [item.start.hour for item in booked] == [10, 9, 9, 9, 9, 9]  # GMT, then BST
    assert len({item.series_id for item in booked}) == 1


def test_it_reports_every_clash_in_a_series_and_books_nothing(patient, other_patient, therapist):
    give_hours(therapist, weekdays=range(5))
    AppointmentFactory(patient=other_patient, therapist=therapist, start=at("2026-03-31", "10:00"))
    ScheduleExceptionFactory(
        therapist=therapist,
        kind=ScheduleException.Kind.LEAVE,
        start=at("2026-04-14", "00:00"),
        end=at("2026-04-15", "00:00"),
    )
    with pytest.raises(services.BookingConflictError) as raised:
        series(patient, therapist, at("2026-03-24", "10:00"))
    problems = raised.value.messages
    assert len(problems) == 2
    assert problems[0].startswith("Tue 31 Mar 2026 10:00: Tess already has an appointment")
    assert problems[1].startswith("Tue 14 Apr 2026 10:00: Tess is not working then")
    assert not Appointment.objects.filter(patient=patient).exists()


def test_it_finds_the_next_free_follow_up_with_a_therapist(patient, other_patient, therapist):
    give_hours(therapist, start="09:00", end="11:00")
    AppointmentFactory(patient=other_patient, therapist=therapist, start=at("2026-03-23", "09:00"))
    AppointmentFactory(patient=other_patient, therapist=therapist, start=at("2026-03-23", "09:45"))
    slots = selectors.free_slots(appointment_type=follow_up(), therapist=therapist)
    # 09:30-09:45 is too short; the gap 10:15-11:00 offers every quarter hour that fits.
    assert [slot.start for slot in slots[:3]] == [
        at("2026-03-23", "10:15"),
        at("2026-03-23", "10:30"),
        at("2026-03-24", "09:00"),
    ]
    assert slots[0].therapist == therapist


def test_it_finds_the_next_free_slot_with_anyone(therapist, other_therapist, other_patient):
    give_hours(therapist, start="09:00", end="10:00")
    give_hours(other_therapist, start="09:00", end="10:00")
    AppointmentFactory(patient=other_patient, therapist=therapist, start=at("2026-03-23", "09:00"))
    AppointmentFactory(therapist=therapist, start=at("2026-03-23", "09:30"))
    slots = selectors.free_slots(appointment_type=follow_up())
    assert (slots[0].therapist, slots[0].start) == (other_therapist, at("2026-03-23", "09:00"))
    assert all(slot.therapist == other_therapist for slot in slots if slot.start.day == 23)


def test_it_skips_leave_the_past_and_times_the_patient_is_busy(patient, therapist, other_therapist):
    give_hours(therapist)
    ScheduleExceptionFactory(
        therapist=therapist, start=at("2026-03-23", "00:00"), end=at("2026-03-23", "12:00")
    )
    AppointmentFactory(patient=patient, therapist=other_therapist, start=at("2026-03-23", "12:00"))
    slot = selectors.free_slots(appointment_type=follow_up(), therapist=therapist, patient=patient)[
        0
    ]
    assert slot.start == at("2026-03-23", "12:30")


def test_it_starts_searching_from_now(therapist):
    give_hours(therapist)
    with time_machine.travel(at(MONDAY_BEFORE_CLOCKS_CHANGE, "13:05"), tick=False):
        slot = selectors.free_slots(appointment_type=follow_up(), therapist=therapist)[0]
    assert slot.start == at("2026-03-23", "13:15")


def test_it_finds_slots_in_local_time_after_the_clock_change(therapist):
    give_hours(therapist, weekdays=[6])  # Sundays only: 29 March is the change
    slot = selectors.free_slots(appointment_type=follow_up(), therapist=therapist)[0]
    assert slot.start == at("2026-03-29", "09:00")
    assert slot.start.isoformat() == "2026-03-29T08:00:00+00:00"
