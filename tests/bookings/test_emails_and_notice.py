"""Appointment emails with calendar files, and the online cancellation notice window."""

import datetime as dt

import icalendar
import pytest
import time_machine
from django.db import transaction

from bookings import services
from bookings.models import Appointment
from bookings.selectors import appointments_due_for_reminder
from tests.bookings.factories import at, follow_up, give_hours
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _hours_and_time(therapist):
    therapist.first_name, therapist.last_name = "Tess", "Stride"
    therapist.save()
    give_hours(therapist)
    with time_machine.travel(at("2026-03-20", "12:00"), tick=False):
        yield


def book(patient, therapist, start, **extra):
    return services.appointment_book(
        patient=patient,
        therapist=therapist,
        appointment_type=follow_up(),
        start=start,
        by=None,
        **extra,
    )


def calendar_of(message) -> icalendar.Calendar:
    (attachment,) = message.attachments
    name, content, mimetype = attachment
    assert name == "appointment.ics"
    assert mimetype.startswith("text/calendar")
    return icalendar.Calendar.from_ical(content)


def test_it_emails_a_confirmation_with_a_calendar_file_after_commit(
    patient, therapist, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        appointment = book(
            patient, therapist, at("2026-03-24", "10:00"), notes="Left hamstring, grade 2"
        )
    (message,) = mailoutbox
    assert message.to == ["robin@runners.example"]
    assert "booked" in message.subject
    assert "Tuesday 24 March 2026, 10:00 to 10:30 (Europe/London time)" in message.body
    assert "Tess Stride" in message.body
    assert "hamstring" not in message.body.lower()  # no clinical detail in email
    (event,) = calendar_of(message).walk("VEVENT")
    assert str(event["UID"]).startswith(str(appointment.public_id))
    assert event.decoded("DTSTART") == appointment.start
    assert event.decoded("DTEND") == appointment.end
    assert "hamstring" not in event.to_ical().decode().lower()


def test_it_sends_nothing_when_the_booking_rolls_back(
    patient, therapist, mailoutbox, django_capture_on_commit_callbacks
):
    def book_then_fail():
        with transaction.atomic():
            book(patient, therapist, at("2026-03-24", "10:00"))
            raise RuntimeError("something later failed")

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
    ):
        book_then_fail()
    assert callbacks == []
    assert mailoutbox == []


def test_it_shows_times_in_the_patients_own_time_zone(
    therapist, mailoutbox, django_capture_on_commit_callbacks
):
    patient = PatientFactory(time_zone="America/New_York")
    with django_capture_on_commit_callbacks(execute=True):
        book(patient, therapist, at("2026-03-24", "14:00"))
    assert "10:00 to 10:30 (America/New_York time)" in mailoutbox[0].body


def test_it_emails_the_change_with_a_newer_calendar_sequence(
    patient, therapist, mailoutbox, django_capture_on_commit_callbacks
):
    appointment = book(patient, therapist, at("2026-03-24", "10:00"))
    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_move(appointment=appointment, start=at("2026-03-25", "11:00"), by=None)
    (message,) = mailoutbox
    assert "changed" in message.subject
    assert "Wednesday 25 March 2026, 11:00" in message.body
    (event,) = calendar_of(message).walk("VEVENT")
    assert event["SEQUENCE"] == 1
    assert event.decoded("DTSTART") == at("2026-03-25", "11:00")


def test_it_emails_a_cancellation_that_removes_the_calendar_event(
    patient, therapist, mailoutbox, django_capture_on_commit_callbacks
):
    appointment = book(patient, therapist, at("2026-03-24", "10:00"))
    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_cancel(appointment=appointment, by=None, reason="Knee injury")
    (message,) = mailoutbox
    assert "cancelled" in message.subject
    assert "knee" not in message.body.lower()
    calendar = calendar_of(message)
    assert calendar["METHOD"] == "CANCEL"
    assert calendar.walk("VEVENT")[0]["STATUS"] == "CANCELLED"


def test_it_sends_one_email_for_a_whole_series(
    patient, therapist, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.appointment_series_book(
            patient=patient,
            therapist=therapist,
            appointment_type=follow_up(),
            start=at("2026-03-24", "10:00"),
            weeks=3,
            by=None,
        )
    (message,) = mailoutbox
    assert len(calendar_of(message).walk("VEVENT")) == 3


def test_it_skips_the_email_for_a_patient_without_an_address(
    therapist, mailoutbox, django_capture_on_commit_callbacks
):
    patient = PatientFactory(email="", preferred_contact="phone")
    with django_capture_on_commit_callbacks(execute=True):
        book(patient, therapist, at("2026-03-24", "10:00"))
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("hours_before", "may_cancel"), [(48, True), (24, True), (23.9, False), (1, False)]
)
def test_it_lets_patients_cancel_online_only_before_the_notice_window(
    patient, therapist, hours_before, may_cancel
):
    appointment = book(patient, therapist, at("2026-03-24", "10:00"))
    now = appointment.start - dt.timedelta(hours=hours_before)
    assert services.patient_may_cancel(appointment, now=now) is may_cancel


def test_it_reads_the_notice_window_from_settings(patient, therapist, settings):
    settings.BOOKING_CANCEL_NOTICE_HOURS = 72
    appointment = book(patient, therapist, at("2026-03-24", "10:00"))
    assert not services.patient_may_cancel(appointment, now=at("2026-03-22", "10:00"))


def test_it_refuses_a_late_online_cancellation_and_keeps_the_booking(patient_user, therapist):
    patient = PatientFactory(user=patient_user)
    appointment = book(patient, therapist, at("2026-03-21", "10:00"))  # 22 hours away
    with pytest.raises(services.BookingNotAllowedError):
        services.appointment_cancel_by_patient(appointment=appointment, user=patient_user)
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.BOOKED


def test_it_flags_a_staff_cancellation_inside_the_window_as_late(patient, therapist, reception):
    soon = book(patient, therapist, at("2026-03-21", "10:00"))
    later = book(patient, therapist, at("2026-03-24", "10:00"))
    services.appointment_cancel(appointment=soon, by=reception, reason="Phoned in sick")
    services.appointment_cancel(appointment=later, by=reception, reason="Holiday")
    soon.refresh_from_db()
    later.refresh_from_db()
    assert (soon.late_cancellation, later.late_cancellation) == (True, False)
    change = soon.status_changes.get(to_status="cancelled")
    assert (change.changed_by, change.reason, change.late_cancellation) == (
        reception,
        "Phoned in sick",
        True,
    )


def test_it_lists_booked_appointments_due_for_a_reminder(patient, therapist):
    due = book(patient, therapist, at("2026-03-24", "10:00"))
    cancelled = book(patient, therapist, at("2026-03-24", "11:00"))
    services.appointment_cancel(appointment=cancelled, by=None, reason="x")
    book(patient, therapist, at("2026-03-25", "10:00"))
    found = appointments_due_for_reminder(
        window_start=at("2026-03-24", "00:00"), window_end=at("2026-03-25", "00:00")
    )
    assert list(found) == [due]
