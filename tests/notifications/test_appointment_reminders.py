"""Appointments as a reminder source: once, 24 hours before, with the shared rules."""

import datetime as dt

import pytest
import time_machine
from django.core import mail

from bookings.models import Appointment
from bookings.services import appointment_book, appointment_cancel, appointment_move
from notifications.dispatch import reminders_dispatch
from notifications.models import ReminderDelivery, ReminderSchedule
from notifications.tasks import reminders_dispatch_queued
from tests.bookings.factories import at, follow_up, give_hours
from tests.notifications.conftest import utc
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

Status = ReminderDelivery.Status
NOW = utc(2026, 6, 1, 8)
START = at("2026-06-03", "10:00")  # 09:00 UTC


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def book(*, therapist, start, patient=None) -> Appointment:
    """Booked through the booking service, which schedules the reminder."""
    return appointment_book(
        patient=patient or PatientFactory(),
        therapist=therapist,
        appointment_type=follow_up(),
        start=start,
        by=therapist,
        allow_outside_hours=True,
    )


@pytest.fixture
def appointment(therapist):
    patient = PatientFactory(
        first_name="Alex", email="alex@runners.example", email_reminders_consent=True
    )
    return book(patient=patient, therapist=therapist, start=START)


def schedule_of(appointment) -> ReminderSchedule:
    return ReminderSchedule.objects.get(source="appointment", subject_id=appointment.pk)


def test_booking_schedules_one_reminder_24_hours_before(appointment):
    assert schedule_of(appointment).next_due_at == START - dt.timedelta(hours=24)


def test_it_sends_once_with_the_time_and_a_link_but_no_clinical_notes(appointment):
    Appointment.objects.filter(pk=appointment.pk).update(notes="Suspected neural tension")
    due = START - dt.timedelta(hours=24)
    assert reminders_dispatch(now=due).sent == 1
    assert reminders_dispatch(now=due + dt.timedelta(minutes=1)).created == 0
    assert reminders_dispatch(now=due + dt.timedelta(days=1)).created == 0
    [email] = mail.outbox
    assert email.to == ["alex@runners.example"]
    assert "Wednesday 3 June at 10:00" in email.body
    assert "/portal/appointments/" in email.body
    assert "neural" not in email.body.lower()
    assert "List-Unsubscribe" in email.extra_headers
    assert schedule_of(appointment).ended_at is not None


def test_moving_the_appointment_moves_the_reminder(appointment, therapist):
    give_hours(therapist)
    later = at("2026-06-04", "15:00")
    appointment_move(appointment=appointment, start=later, by=therapist)
    assert schedule_of(appointment).next_due_at == later - dt.timedelta(hours=24)


def test_a_cancelled_appointment_gets_no_reminder(appointment, therapist):
    appointment_cancel(appointment=appointment, by=therapist, reason="Feeling better")
    schedule = schedule_of(appointment)
    assert schedule.next_due_at is None
    assert reminders_dispatch(now=START).created == 0


def test_cancelled_after_dispatch_is_skipped_at_send_time(appointment, published):
    reminders_dispatch_queued(now=START - dt.timedelta(hours=24))
    Appointment.objects.filter(pk=appointment.pk).update(status=Appointment.Status.CANCELLED)
    from notifications.sending import delivery_send

    delivery = ReminderDelivery.objects.get()
    outcome = delivery_send(delivery_id=delivery.pk, now=START - dt.timedelta(hours=24))
    assert outcome.status == Status.SKIPPED
    assert mail.outbox == []


def test_quiet_hours_and_consent_apply_as_for_exercise_reminders(therapist):
    patient = PatientFactory(email_reminders_consent=False)
    early = book(patient=patient, therapist=therapist, start=at("2026-06-03", "07:30"))
    schedule = schedule_of(early)
    schedule.quiet_start, schedule.quiet_end = dt.time(22), dt.time(8)
    schedule.save()
    from tests.notifications.conftest import reschedule

    reschedule(schedule)
    assert schedule.next_due_at == at("2026-06-02", "08:00")
    reminders_dispatch(now=at("2026-06-02", "08:00"))
    assert ReminderDelivery.objects.get().reason == "The patient has not consented to reminders."


def test_an_appointment_booked_less_than_a_day_ahead_gets_no_reminder(therapist):
    soon = book(therapist=therapist, start=NOW + dt.timedelta(hours=5))
    assert not ReminderSchedule.objects.filter(source="appointment", subject_id=soon.pk).exists()
