"""The booking rules as the services apply them, on every database (SQLite included)."""

import datetime as dt

import pytest

from bookings import services
from bookings.models import Appointment, AppointmentStatusChange, ScheduleException
from tests.bookings.factories import (
    LONDON,
    AppointmentFactory,
    RoomFactory,
    ScheduleExceptionFactory,
    at,
    follow_up,
    give_hours,
    initial_assessment,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _hours(therapist, other_therapist):
    give_hours(therapist)
    give_hours(other_therapist)


def book(patient, therapist, start, **extra):
    return services.appointment_book(
        patient=patient,
        therapist=therapist,
        appointment_type=extra.pop("appointment_type", follow_up()),
        start=start,
        by=None,
        **extra,
    )


def test_it_books_inside_working_hours_with_the_types_duration(patient, therapist):
    appointment = book(patient, therapist, at("2026-03-24", "10:00"))
    assert appointment.end - appointment.start == follow_up().duration
    assert appointment.status == Appointment.Status.BOOKED
    change = AppointmentStatusChange.objects.get(appointment=appointment)
    assert (change.from_status, change.to_status) == ("", "booked")


def test_it_lets_back_to_back_appointments_touch(patient, other_patient, therapist):
    book(patient, therapist, at("2026-03-24", "09:30"))
    second = book(other_patient, therapist, at("2026-03-24", "10:00"))
    assert second.pk


def test_it_refuses_an_overlap_for_the_therapist(patient, other_patient, therapist):
    book(patient, therapist, at("2026-03-24", "10:00"))
    with pytest.raises(services.BookingConflictError) as raised:
        book(other_patient, therapist, at("2026-03-24", "10:15"))
    assert "Tess" in raised.value.messages[0]
    assert "already has an appointment" in raised.value.messages[0]
    assert Appointment.objects.count() == 1


def test_it_refuses_an_overlap_for_the_patient_with_another_therapist(
    patient, therapist, other_therapist
):
    book(patient, therapist, at("2026-03-24", "10:00"), appointment_type=initial_assessment())
    with pytest.raises(services.BookingConflictError) as raised:
        book(patient, other_therapist, at("2026-03-24", "10:30"))
    assert raised.value.messages == [
        "Robin Trail already has an appointment Tue 24 Mar 10:00-11:00."
    ]


def test_it_refuses_an_overlap_for_a_room_but_not_without_one(
    patient, other_patient, therapist, other_therapist
):
    room = RoomFactory()
    book(patient, therapist, at("2026-03-24", "10:00"), room=room)
    with pytest.raises(services.BookingConflictError, match="is already in use"):
        book(other_patient, other_therapist, at("2026-03-24", "10:00"), room=room)
    assert book(other_patient, other_therapist, at("2026-03-24", "10:00")).room is None


@pytest.mark.parametrize("status", [Appointment.Status.CANCELLED, Appointment.Status.NO_SHOW])
def test_it_frees_the_slot_of_a_cancelled_or_missed_appointment(
    patient, other_patient, therapist, status
):
    AppointmentFactory(
        patient=patient, therapist=therapist, start=at("2026-03-24", "10:00"), status=status
    )
    assert book(other_patient, therapist, at("2026-03-24", "10:00")).pk


def test_it_refuses_times_outside_working_hours_unless_overridden(patient, therapist):
    with pytest.raises(services.BookingConflictError, match="not working then"):
        book(patient, therapist, at("2026-03-24", "16:45"))
    appointment = book(patient, therapist, at("2026-03-24", "16:45"), allow_outside_hours=True)
    assert appointment.outside_hours


def test_it_refuses_time_on_leave_and_accepts_extra_hours(patient, therapist):
    ScheduleExceptionFactory(
        therapist=therapist, start=at("2026-03-24", "00:00"), end=at("2026-03-25", "00:00")
    )
    with pytest.raises(services.BookingConflictError, match="not working then"):
        book(patient, therapist, at("2026-03-24", "10:00"))
    ScheduleExceptionFactory(
        therapist=therapist,
        kind=ScheduleException.Kind.EXTRA,
        start=at("2026-03-25", "17:00"),
        end=at("2026-03-25", "19:00"),
    )
    assert not book(patient, therapist, at("2026-03-25", "17:30")).outside_hours


@pytest.mark.parametrize(
    ("day", "utc_hour"),
    [("2026-03-28", 9), ("2026-03-29", 8), ("2026-10-24", 8), ("2026-10-25", 9)],
)
def test_it_books_nine_oclock_local_on_both_sides_of_a_clock_change(
    patient, therapist, day, utc_hour
):
    appointment = book(patient, therapist, at(day, "09:00"))
    assert appointment.start.hour == utc_hour
    with pytest.raises(services.BookingConflictError, match="not working then"):
        book(patient, therapist, at(day, "08:30"))


def test_it_compares_real_time_not_wall_clock_time_when_the_clocks_go_back(
    patient, other_patient, therapist
):
    # On 25 October 2026 London's 01:00-02:00 happens twice: first in BST, then in GMT.
    first_0130 = dt.datetime(2026, 10, 25, 1, 30, tzinfo=LONDON, fold=0)  # 00:30 UTC
    second_0100 = dt.datetime(2026, 10, 25, 1, 0, tzinfo=LONDON, fold=1)  # 01:00 UTC
    first_0115 = dt.datetime(2026, 10, 25, 1, 15, tzinfo=LONDON, fold=0)  # 00:15 UTC
    book(patient, therapist, first_0130, allow_outside_hours=True)
    # Earlier on the wall clock, but it starts exactly when the first one ends.
    assert book(other_patient, therapist, second_0100, allow_outside_hours=True).pk
    with pytest.raises(services.BookingConflictError):
        book(other_patient, therapist, first_0115, allow_outside_hours=True)


def test_it_moves_an_appointment_and_ignores_its_own_old_slot(patient, therapist):
    appointment = book(patient, therapist, at("2026-03-24", "10:00"))
    moved = services.appointment_move(
        appointment=appointment, start=at("2026-03-24", "10:15"), by=None
    )
    assert moved.start == at("2026-03-24", "10:15")
    assert moved.sequence == 1


def test_it_refuses_to_move_onto_a_taken_slot(patient, other_patient, therapist):
    book(other_patient, therapist, at("2026-03-24", "11:00"))
    appointment = book(patient, therapist, at("2026-03-24", "10:00"))
    with pytest.raises(services.BookingConflictError):
        services.appointment_move(appointment=appointment, start=at("2026-03-24", "11:00"), by=None)
    appointment.refresh_from_db()
    assert appointment.start == at("2026-03-24", "10:00")


def test_it_records_who_changed_the_status_and_why(patient, therapist, reception):
    appointment = book(patient, therapist, at("2026-03-24", "10:00"))
    services.appointment_set_status(
        appointment=appointment, status=Appointment.Status.ARRIVED, by=reception
    )
    services.appointment_set_status(
        appointment=appointment, status=Appointment.Status.COMPLETED, by=therapist
    )
    changes = list(appointment.status_changes.values_list("to_status", "changed_by__email"))
    assert changes == [
        ("booked", None),
        ("arrived", "reception@test.example"),
        ("completed", "therapist@test.example"),
    ]


def test_it_refuses_a_status_change_that_makes_no_sense(patient, therapist):
    appointment = book(patient, therapist, at("2026-03-24", "10:00"))
    services.appointment_cancel(appointment=appointment, by=None, reason="Patient unwell")
    with pytest.raises(services.BookingNotAllowedError):
        services.appointment_set_status(
            appointment=appointment, status=Appointment.Status.ARRIVED, by=None
        )


def test_it_never_edits_a_status_change_record(patient, therapist):
    appointment = book(patient, therapist, at("2026-03-24", "10:00"))
    change = appointment.status_changes.get()
    change.reason = "rewritten"
    with pytest.raises(ValueError, match="never edited"):
        change.save()
