"""The send step: atomic claims, retries with backoff, permanent failures, crash recovery."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from kombu.exceptions import OperationalError

from notifications import channels
from notifications.dispatch import reminders_dispatch
from notifications.models import ReminderDelivery
from notifications.sending import MAX_ATTEMPTS, delivery_send
from notifications.tasks import reminders_dispatch_queued
from tests.notifications.conftest import utc

pytestmark = pytest.mark.django_db

Status = ReminderDelivery.Status
NOON = utc(2026, 6, 1, 12)


class ScriptedChannel:
    """Plays a list of outcomes: None sends, an exception class is raised."""

    def __init__(self, *outcomes):
        self.outcomes = list(outcomes)
        self.sent = []

    def send(self, message, *, handover):
        outcome = self.outcomes.pop(0) if self.outcomes else None
        if outcome is not None and outcome is not channels.Unconfirmed:
            raise outcome("scripted failure")
        if not handover():
            raise channels.HandoverRefused
        if outcome is channels.Unconfirmed:
            raise channels.Unconfirmed("no reply")
        self.sent.append(message)


@pytest.fixture
def due_delivery(make_schedule, published):
    with time_machine.travel(NOON, tick=False):
        make_schedule(times=["13:00"])
        reminders_dispatch_queued()
    return ReminderDelivery.objects.get()


def use_channel(monkeypatch, channel):
    monkeypatch.setitem(channels.CHANNELS, "email", channel)
    return channel


def test_it_retries_transient_failures_with_growing_backoff_then_sends(
    due_delivery, monkeypatch, settings
):
    settings.REMINDER_RETRY_BASE_SECONDS = 30
    channel = use_channel(
        monkeypatch, ScriptedChannel(channels.TransientError, channels.TransientError)
    )
    now = NOON
    delays = []
    for _ in range(3):
        outcome = delivery_send(delivery_id=due_delivery.pk, now=now)
        if outcome.retry_in:
            delays.append(outcome.retry_in)
            # Too early: the claim refuses to run before next_attempt_at.
            assert delivery_send(delivery_id=due_delivery.pk, now=now).status == ""
            now += dt.timedelta(seconds=outcome.retry_in)
    assert delays == [30, 60]
    due_delivery.refresh_from_db()
    assert (due_delivery.status, due_delivery.attempts) == (Status.SENT, 3)
    assert len(channel.sent) == 1


def test_it_fails_after_five_transient_failures(due_delivery, monkeypatch, settings):
    settings.REMINDER_RETRY_BASE_SECONDS = 1
    use_channel(monkeypatch, ScriptedChannel(*[channels.TransientError] * MAX_ATTEMPTS))
    now = NOON
    for _ in range(MAX_ATTEMPTS):
        outcome = delivery_send(delivery_id=due_delivery.pk, now=now)
        now += dt.timedelta(seconds=outcome.retry_in or 0)
    due_delivery.refresh_from_db()
    assert (due_delivery.status, due_delivery.attempts) == (Status.FAILED, 5)
    assert due_delivery.last_error == "scripted failure"


def test_it_fails_at_once_on_a_permanent_failure(due_delivery, monkeypatch):
    use_channel(monkeypatch, ScriptedChannel(channels.PermanentError))
    assert delivery_send(delivery_id=due_delivery.pk, now=NOON).status == Status.FAILED
    due_delivery.refresh_from_db()
    assert due_delivery.attempts == 1


def test_a_second_send_of_a_sent_delivery_does_nothing(due_delivery, monkeypatch):
    channel = use_channel(monkeypatch, ScriptedChannel())
    assert delivery_send(delivery_id=due_delivery.pk, now=NOON).status == Status.SENT
    assert delivery_send(delivery_id=due_delivery.pk, now=NOON).status == ""
    assert len(channel.sent) == 1


def test_a_delivery_stuck_sending_is_reclaimed_after_the_timeout(
    due_delivery, monkeypatch, settings
):
    settings.REMINDER_CLAIM_TIMEOUT_SECONDS = 300
    channel = use_channel(monkeypatch, ScriptedChannel())
    ReminderDelivery.objects.filter(pk=due_delivery.pk).update(
        status=Status.SENDING, claimed_at=NOON, attempts=1
    )
    soon = NOON + dt.timedelta(seconds=200)
    assert delivery_send(delivery_id=due_delivery.pk, now=soon).status == ""
    later = NOON + dt.timedelta(seconds=301)
    assert delivery_send(delivery_id=due_delivery.pk, now=later).status == Status.SENT
    assert len(channel.sent) == 1


def test_a_delivery_handed_over_before_a_crash_is_never_sent_again(due_delivery, monkeypatch):
    channel = use_channel(monkeypatch, ScriptedChannel())
    ReminderDelivery.objects.filter(pk=due_delivery.pk).update(
        status=Status.SENDING, claimed_at=NOON, handed_over_at=NOON, attempts=1
    )
    later = NOON + dt.timedelta(hours=1)
    assert delivery_send(delivery_id=due_delivery.pk, now=later).status == Status.SENT
    due_delivery.refresh_from_db()
    assert due_delivery.sent_at == NOON
    assert "Not confirmed" in due_delivery.last_error
    assert channel.sent == []


def test_a_worker_that_lost_its_claim_does_not_send(due_delivery, monkeypatch):
    class StolenClaim(ScriptedChannel):
        def send(self, message, *, handover):
            # Another worker re-claims the row while this one is still talking to the server.
            ReminderDelivery.objects.filter(pk=due_delivery.pk).update(claim_token=None)
            super().send(message, handover=handover)

    channel = use_channel(monkeypatch, StolenClaim())
    assert delivery_send(delivery_id=due_delivery.pk, now=NOON).status == ""
    assert channel.sent == []


def test_an_unconfirmed_handover_counts_as_sent(due_delivery, monkeypatch):
    use_channel(monkeypatch, ScriptedChannel(channels.Unconfirmed))
    assert delivery_send(delivery_id=due_delivery.pk, now=NOON).status == Status.SENT
    due_delivery.refresh_from_db()
    assert due_delivery.last_error.startswith("Not confirmed")


def test_a_pending_delivery_too_late_to_be_useful_is_missed(due_delivery):
    late = NOON + dt.timedelta(hours=3)
    assert delivery_send(delivery_id=due_delivery.pk, now=late).status == Status.MISSED
    assert mail.outbox == []


def test_deliveries_stay_pending_when_the_broker_is_down_and_go_next_cycle(
    make_schedule, monkeypatch
):
    from notifications.tasks import send_reminder

    def broker_down(*args, **kwargs):
        raise OperationalError("Connection refused")

    monkeypatch.setattr(send_reminder, "apply_async", broker_down)
    with time_machine.travel(NOON, tick=False):
        make_schedule(times=["13:00"])
        result = reminders_dispatch_queued()
    delivery = ReminderDelivery.objects.get()
    assert (result.created, result.queued) == (1, 0)
    assert (delivery.status, delivery.queued_at) == (Status.PENDING, None)

    published = []
    monkeypatch.setattr(send_reminder, "apply_async", lambda args, **kwargs: published.append(args))
    with time_machine.travel(NOON + dt.timedelta(minutes=1), tick=False):
        result = reminders_dispatch_queued()
    assert (result.created, result.requeued) == (0, 1)
    assert published == [(delivery.pk,)]
    delivery.refresh_from_db()
    assert delivery.queued_at is not None


def test_the_dispatcher_requeues_a_delivery_whose_worker_died(due_delivery, published, settings):
    settings.REMINDER_CLAIM_TIMEOUT_SECONDS = 60
    ReminderDelivery.objects.filter(pk=due_delivery.pk).update(
        status=Status.SENDING, claimed_at=NOON, attempts=1
    )
    published.clear()
    assert reminders_dispatch_queued(now=NOON + dt.timedelta(seconds=30)).requeued == 0
    assert reminders_dispatch_queued(now=NOON + dt.timedelta(seconds=90)).requeued == 1
    assert published[0][0] == (due_delivery.pk,)


def test_sms_goes_to_the_development_log_and_file_by_default(make_schedule, caplog, settings):
    from notifications.consent import consent_record
    from tests.patients.factories import PatientFactory

    patient = PatientFactory(phone="+447911123456")
    consent_record(patient=patient, channel="sms", given=True, how="in_person")
    with time_machine.travel(NOON, tick=False):
        make_schedule(patient, times=["13:00"], channel="sms")
        result = reminders_dispatch()
    assert result.sent == 1
    assert mail.outbox == []
    assert "SMS reminder to a number ending 456" in caplog.text
    assert "7911123456" not in caplog.text
    [copy] = settings.SMS_FILE_PATH.iterdir()
    assert "Reply STOP to stop texts." in copy.read_text()
    assert "7911123456" not in copy.read_text()


def test_sms_without_a_number_is_skipped(make_schedule):
    from tests.patients.factories import PatientFactory

    patient = PatientFactory(email_reminders_consent=True, phone="")
    with time_machine.travel(NOON, tick=False):
        make_schedule(patient, times=["13:00"], channel="sms")
        reminders_dispatch()
    assert ReminderDelivery.objects.get().reason == "No mobile number on file."
