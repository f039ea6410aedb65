"""Appointment and request-decision emails go through Celery's `default` queue, as account
emails do (clinic/mail.py): reception's page answers without waiting for the mail server, a mail
server that refuses is retried by the worker, and with the broker down the email is sent from
the request rather than lost."""

from __future__ import annotations

import base64
import email

import icalendar
import pytest
import redis
import time_machine
from django.core import mail
from kombu.exceptions import OperationalError

from bookings.requests.messages import decision_send
from bookings.requests.models import BookingRequest
from clinic.tasks import send_email
from tests.bookings.factories import at, give_hours
from tests.bookings.test_emails_and_notice import book as book_follow_up
from tests.notifications.integration import (
    Processes,
    processes,  # noqa: F401 (fixture)
    require_real_services,
    smtp,  # noqa: F401 (fixture)
    wait_for,
)


def book(patient, therapist, start):
    give_hours(therapist)
    return book_follow_up(patient, therapist, start)


def rendered(call) -> email.message.Message:
    (data, _from_email, _recipients), _options = call
    return email.message_from_bytes(base64.b64decode(data))


def calendar_in(message: email.message.Message) -> icalendar.Calendar:
    (part,) = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    return icalendar.Calendar.from_ical(part.get_payload(decode=True))


@pytest.mark.django_db
def test_a_booking_queues_its_confirmation_with_the_calendar_file_instead_of_sending_it(
    patient, therapist, queued_emails, queued_email_calls, django_capture_on_commit_callbacks
):
    with (
        time_machine.travel(at("2026-03-20", "12:00"), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        appointment = book(patient, therapist, at("2026-03-24", "10:00"))

    assert mail.outbox == []  # nothing from the request itself
    (call,) = queued_email_calls
    assert call[0][2] == [patient.email]
    message = rendered(call)
    assert "booked" in message["Subject"]
    (event,) = calendar_in(message).walk("VEVENT")
    assert str(event["UID"]).startswith(str(appointment.public_id))

    send_email.apply(args=call[0]).get()  # what the worker runs
    (sent,) = mail.outbox
    assert sent.recipients() == [patient.email]


@pytest.mark.django_db
def test_a_booking_still_emails_when_the_broker_is_down(
    patient, therapist, queued_emails, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1. Connection refused.")

    monkeypatch.setattr(send_email, "apply_async", broker_down)
    with (
        time_machine.travel(at("2026-03-20", "12:00"), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        book(patient, therapist, at("2026-03-24", "10:00"))

    (sent,) = mail.outbox
    assert "booked" in sent.subject


@pytest.mark.django_db
def test_a_decision_on_a_booking_request_is_queued_too(queued_emails, queued_email_calls):
    booking_request = BookingRequest.objects.create(
        first_name="Noor",
        last_name="Hill",
        date_of_birth="1991-06-02",
        email="noor@runners.example",
        reason="Pain in the back of my thigh.",
        status=BookingRequest.Status.DECLINED,
        decline_reason="We do not treat children's injuries.",
    )

    assert decision_send(request_id=booking_request.pk)

    assert mail.outbox == []
    (call,) = queued_email_calls
    assert call[0][2] == ["noor@runners.example"]
    body = rendered(call).get_payload(decode=True).decode()
    assert "children's injuries" in body


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_delivers_the_confirmation_over_smtp(
    patient,
    therapist,
    queued_emails,
    smtp,  # noqa: F811 (the fixture imported above)
    processes: Processes,  # noqa: F811
    settings,
):
    require_real_services()
    broker = settings.CELERY_BROKER_URL
    redis.Redis.from_url(broker).flushdb()
    processes.worker(
        processes.env(broker=broker, smtp_port=smtp.port), queues="default", concurrency=1
    )

    # Booked outside any test transaction: the email is queued as the booking commits.
    appointment = book(patient, therapist, at("2030-03-26", "10:00"))

    wait_for(
        lambda: any(m.rcpt_tos == [patient.email] for m in smtp.messages),
        timeout=30,
        what="the confirmation email",
        details=processes.logs,
    )
    (received,) = [m for m in smtp.messages if m.rcpt_tos == [patient.email]]
    (event,) = calendar_in(received.message).walk("VEVENT")
    assert str(event["UID"]).startswith(str(appointment.public_id))
