"""A booking request's decision text goes through Celery's `default` queue, as its email does:
reception's page answers without waiting for the SMS provider, a provider that is down is tried
again by the worker, and with the broker down the text is sent from the request rather than lost.
"""

from __future__ import annotations

import time

import pytest
import redis
from celery import current_app
from kombu.exceptions import OperationalError

from bookings.requests.messages import TEXT_TASK, decision_send
from bookings.requests.models import BookingRequest
from bookings.tasks import TEXT_RETRY_DELAYS, text_decision
from notifications.channels import PermanentError, TransientError
from tests.notifications.fake_twilio import FakeTwilio, FakeTwilioServer, provider_env
from tests.notifications.integration import (
    Processes,
    processes,  # noqa: F401 (fixture)
    require_real_services,
    smtp,  # noqa: F401 (fixture)
    wait_for,
)

NUMBER = "+447911123456"


def declined(**extra) -> BookingRequest:
    return BookingRequest.objects.create(
        first_name="Noor",
        last_name="Hill",
        date_of_birth="1991-06-02",
        email="noor@runners.example",
        phone=NUMBER,
        sms_consent=True,
        reason="Pain in the back of my thigh.",
        status=BookingRequest.Status.DECLINED,
        decline_reason="We do not treat children's injuries.",
        **extra,
    )


@pytest.fixture
def texts(settings, tmp_path):
    """Texts the development backend writes, as files; the queue switched on, as in production."""
    settings.TRANSACTIONAL_SMS_QUEUED = True
    settings.SMS_FILE_PATH = tmp_path / "sms"
    return lambda: sorted(p.read_text() for p in (tmp_path / "sms").glob("*.txt"))


@pytest.fixture
def published(monkeypatch):
    calls = []
    monkeypatch.setattr(
        current_app, "send_task", lambda name, args, **kwargs: calls.append((name, args))
    )
    return calls


@pytest.mark.django_db
def test_the_decision_text_is_queued_not_sent_from_reception_s_request(texts, published):
    booking_request = declined()

    assert decision_send(request_id=booking_request.pk)

    assert texts() == []
    assert published == [(TEXT_TASK, (booking_request.pk,))]
    text_decision.apply(args=published[0][1]).get()  # what the worker runs
    (text,) = texts()
    assert "children's injuries" not in text  # the reason stays in the email
    assert "cannot book the appointment you asked for" in text


@pytest.mark.django_db
def test_no_text_is_queued_for_a_requester_who_did_not_agree_to_texts(texts, published):
    booking_request = declined()
    BookingRequest.objects.filter(pk=booking_request.pk).update(sms_consent=False)

    assert decision_send(request_id=booking_request.pk)

    assert published == []
    assert texts() == []


@pytest.mark.django_db
def test_with_the_broker_down_the_text_is_sent_from_the_request(texts, monkeypatch):
    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1. Connection refused.")

    monkeypatch.setattr(current_app, "send_task", broker_down)
    booking_request = declined()

    assert decision_send(request_id=booking_request.pk)

    assert len(texts()) == 1


@pytest.mark.django_db
def test_a_provider_that_says_try_later_is_tried_again_then_given_up_and_logged(
    texts, published, monkeypatch, caplog
):
    booking_request = declined()
    assert decision_send(request_id=booking_request.pk)
    assert not decision_send(request_id=booking_request.pk)  # a double click: claimed already
    assert len(published) == 1
    busy = _Busy()
    monkeypatch.setattr("bookings.requests.messages.sms_backend", lambda: busy)

    text_decision.apply(args=published[0][1]).get()  # eager: each retry runs at once

    assert busy.tries == 1 + len(TEXT_RETRY_DELAYS)
    assert "Gave up texting about booking request" in caplog.text
    assert NUMBER not in caplog.text


@pytest.mark.django_db
def test_a_number_the_provider_refuses_for_good_is_not_tried_again(texts, published, monkeypatch):
    booking_request = declined()
    assert decision_send(request_id=booking_request.pk)
    refused = _Busy(PermanentError("Twilio 21211: not a valid phone number"))
    monkeypatch.setattr("bookings.requests.messages.sms_backend", lambda: refused)

    text_decision.apply(args=published[0][1]).get()

    assert refused.tries == 1


class _Busy:
    def __init__(self, error: Exception | None = None) -> None:
        self.error = error or TransientError("Twilio 503: try later")
        self.tries = 0

    def send(self, **kwargs):
        self.tries += 1
        raise self.error


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_texts_the_decision_through_the_provider_after_it_comes_back(
    settings,
    smtp,  # noqa: F811 (the fixture imported above)
    processes: Processes,  # noqa: F811
):
    require_real_services()
    settings.TRANSACTIONAL_SMS_QUEUED = True
    broker = settings.CELERY_BROKER_URL
    redis.Redis.from_url(broker).flushdb()
    provider = FakeTwilio(
        fail=lambda attempt, to: (503, 20500, "Service unavailable") if attempt == 1 else None
    )
    with FakeTwilioServer(provider) as server:
        env = processes.env(
            broker=broker, smtp_port=smtp.port, **provider_env(server.url, "http://127.0.0.1:9")
        )
        processes.worker(env, queues="default", concurrency=1)
        booking_request = declined()
        started = time.monotonic()

        assert decision_send(request_id=booking_request.pk)
        assert time.monotonic() - started < 2  # reception's request did not wait on the provider

        wait_for(
            lambda: provider.messages, timeout=45, what="the decision text", details=processes.logs
        )
    (sent,) = provider.messages
    assert sent.to == NUMBER
    assert provider.attempts == 2  # refused once, taken on the worker's second try
