"""The database itself refuses double bookings (PostgreSQL exclusion constraints)."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from bookings import selectors, services
from bookings.models import Appointment
from tests.bookings.factories import AppointmentFactory, RoomFactory, at, follow_up, give_hours
from tests.bookings.marks import requires_postgresql
from tests.patients.factories import PatientFactory

pytestmark = [pytest.mark.django_db, requires_postgresql]


def test_it_installs_the_exclusion_constraints():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE contype = 'x' AND conname LIKE 'bookings_%%'"
        )
        names = {row[0] for row in cursor.fetchall()}
    assert names == {
        "bookings_appointment_therapist_no_overlap",
        "bookings_appointment_patient_no_overlap",
        "bookings_appointment_room_no_overlap",
        "bookings_workinghours_no_overlap",
    }


def test_it_refuses_a_direct_insert_that_double_books_a_therapist(therapist):
    AppointmentFactory(therapist=therapist, start=at("2026-03-24", "10:00"))
    with (
        pytest.raises(IntegrityError, match="bookings_appointment_therapist_no_overlap"),
        transaction.atomic(),
    ):
        AppointmentFactory(therapist=therapist, start=at("2026-03-24", "10:29"))


def test_it_refuses_a_direct_insert_that_double_books_a_patient(therapist, other_therapist):
    patient = PatientFactory()
    AppointmentFactory(patient=patient, therapist=therapist, start=at("2026-03-24", "10:00"))
    with (
        pytest.raises(IntegrityError, match="bookings_appointment_patient_no_overlap"),
        transaction.atomic(),
    ):
        AppointmentFactory(
            patient=patient, therapist=other_therapist, start=at("2026-03-24", "10:15")
        )


def test_it_refuses_a_direct_insert_that_double_books_a_room(therapist, other_therapist):
    room = RoomFactory()
    AppointmentFactory(therapist=therapist, room=room, start=at("2026-03-24", "10:00"))
    with (
        pytest.raises(IntegrityError, match="bookings_appointment_room_no_overlap"),
        transaction.atomic(),
    ):
        AppointmentFactory(therapist=other_therapist, room=room, start=at("2026-03-24", "10:00"))


def test_it_accepts_touching_ranges_and_cancelled_overlaps_in_the_database(therapist):
    first = AppointmentFactory(therapist=therapist, start=at("2026-03-24", "10:00"))
    AppointmentFactory(therapist=therapist, start=at("2026-03-24", "10:30"))
    AppointmentFactory(
        therapist=therapist, start=at("2026-03-24", "10:00"), status=Appointment.Status.CANCELLED
    )
    AppointmentFactory(
        therapist=therapist, start=at("2026-03-24", "10:00"), status=Appointment.Status.NO_SHOW
    )
    # Reviving a cancelled appointment onto a taken slot is refused too.
    cancelled = Appointment.objects.filter(status="cancelled").get()
    cancelled.status = Appointment.Status.BOOKED
    with pytest.raises(IntegrityError), transaction.atomic():
        cancelled.save()
    assert first.pk


def test_it_turns_the_constraint_error_into_a_friendly_conflict(monkeypatch, therapist):
    give_hours(therapist)
    AppointmentFactory(therapist=therapist, start=at("2026-03-24", "10:00"))
    # Pretend the check-first query missed the clash (as a race would): the database still
    # refuses, and the caller gets the same clean error, not an IntegrityError.
    monkeypatch.setattr(selectors, "appointment_conflicts", lambda **kwargs: [])
    with pytest.raises(services.BookingConflictError) as raised:
        services.appointment_book(
            patient=PatientFactory(),
            therapist=therapist,
            appointment_type=follow_up(),
            start=at("2026-03-24", "10:00"),
            by=None,
        )
    assert raised.value.messages == ["The therapist already has an appointment then."]
    assert Appointment.objects.count() == 1


def test_it_reports_the_clash_when_a_model_form_validates_constraints(therapist):
    AppointmentFactory(therapist=therapist, start=at("2026-03-24", "10:00"))
    clash = AppointmentFactory.build(
        therapist=therapist, patient=PatientFactory(), start=at("2026-03-24", "10:15")
    )
    with pytest.raises(ValidationError, match="therapist already has an appointment"):
        clash.validate_constraints()
