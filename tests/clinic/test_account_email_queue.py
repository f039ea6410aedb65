"""Account emails (password reset, sign-in changed, portal invitation) go through Celery's
`default` queue (clinic.mail.QueuedEmailBackend): the page answers without waiting for the mail
server, and a reminder burst on `messages` never delays them (test_account_email_burst.py)."""

from __future__ import annotations

import base64
import socket

import pytest
from django.core import mail
from django.urls import reverse
from kombu.exceptions import OperationalError

from clinic.mail import transactional_connection
from clinic.tasks import send_email

pytestmark = pytest.mark.django_db


def test_it_queues_a_password_reset_email_instead_of_sending_it(
    client, patient_user, queued_emails, queued_email_calls
):
    response = client.post(reverse("password_reset"), {"email": patient_user.email})
    assert response.status_code == 302
    assert mail.outbox == []  # nothing sent from the request
    ((data, _from_email, recipients), _) = queued_email_calls[0]
    assert recipients == [patient_user.email]
    assert "/accounts/reset/" in base64.b64decode(data).decode()


def test_it_delivers_the_very_message_the_web_process_rendered(
    client, patient_user, queued_emails, queued_email_calls
):
    client.post(reverse("password_reset"), {"email": patient_user.email})
    ((data, from_email, recipients), _) = queued_email_calls[0]
    rendered = base64.b64decode(data)

    send_email.apply(args=(data, from_email, recipients)).get()  # what the worker runs

    (sent,) = mail.outbox
    assert sent.recipients() == [patient_user.email]
    assert sent.message().as_bytes() == rendered  # same Message-ID: a redelivery is the same


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_it_sends_at_once_from_the_request_when_the_broker_is_down(
    patient_user, queued_emails, monkeypatch
):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1. Connection refused.")

    monkeypatch.setattr(send_email, "apply_async", broker_down)
    sent = mail.EmailMessage(
        "Your Apex Clinic sign-in was changed",
        "Someone changed how you sign in.",
        None,
        [patient_user.email],
        connection=transactional_connection(),
    ).send()
    assert sent == 1
    assert [m.subject for m in mail.outbox] == ["Your Apex Clinic sign-in was changed"]


def test_it_retries_when_the_mail_server_refuses(settings, monkeypatch):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = (
        "127.0.0.1",
        _closed_port(),
        1,
    )
    retried = []

    def retry(*, exc, countdown):
        retried.append(countdown)
        return RuntimeError("retry")

    monkeypatch.setattr(send_email, "retry", retry)
    data = base64.b64encode(b"Subject: hi\n\nhello\n").decode()
    with pytest.raises(RuntimeError):
        send_email.run(data, "clinic@example.org", ["runner@example.org"])
    assert retried == [10]
