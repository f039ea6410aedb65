"""Sending a batch of reminders as a unit: one claim, one load, one rule check, one composition.

Each reminder is still handed over on its own just before it leaves, and a batch that shares a
task with rows it cannot have (paused meanwhile, owned by another worker) sends the rest.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import time_machine
from django.core import mail

from exercises.models import ExercisePlan
from exercises.services import plan_change_status
from notifications import channels
from notifications.models import ReminderDelivery, ReminderSchedule
from notifications.sending import SendOutcome, deliveries_send
from notifications.tasks import reminders_dispatch_queued
from tests.exercises.factories import published_plan
from tests.notifications.conftest import reschedule, utc
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

Status = ReminderDelivery.Status
NOON = utc(2026, 6, 1, 12)  # 13:00 in London


def due_deliveries(therapist, count: int) -> list[ReminderDelivery]:
    """`count` exercise reminders due at NOON, created by the dispatcher, not yet sent."""
    plans = []
    with time_machine.travel(NOON - dt.timedelta(days=3), tick=False):
        for index in range(count):
            patient = PatientFactory(
                first_name=f"Runner{index}",
                email=f"runner{index}@runners.example",
                email_reminders_consent=True,
            )
            plans.append(published_plan(therapist=therapist, patient=patient))
    for plan in plans:
        schedule = ReminderSchedule.objects.get(source="exercise_plan", subject_id=plan.pk)
        schedule.times = ["13:00"]
        schedule.save()
        reschedule(schedule, after=NOON - dt.timedelta(minutes=1))
    assert reminders_dispatch_queued(now=NOON).created == count
    return list(ReminderDelivery.objects.order_by("pk"))


def recipients() -> list[str]:
    return [message.to[0] for message in mail.outbox]


class DeadServer:
    """A mail server that cannot be reached: every send fails before the point of no return."""

    def __init__(self):
        self.calls = 0

    def send(self, message, *, handover):
        self.calls += 1
        raise channels.ServerUnreachable("Could not reach the mail server: refused")


class CrashAfterHandover:
    """Hands over the `at`th message and then the process dies (before hearing the reply)."""

    def __init__(self, at: int):
        self.at, self.calls = at, 0

    def send(self, message, *, handover):
        self.calls += 1
        if self.calls != self.at:
            channels.EmailChannel().send(message, handover=handover)
            return
        if not handover():
            raise channels.HandoverRefused
        raise SystemExit("worker killed")


def test_it_sends_a_whole_batch_once(therapist, published):
    deliveries = due_deliveries(therapist, 4)
    ids = [delivery.pk for delivery in deliveries]
    outcomes = deliveries_send(delivery_ids=ids, now=NOON)
    assert {outcome.status for outcome in outcomes.values()} == {Status.SENT}
    assert sorted(recipients()) == sorted(d.patient.email for d in deliveries)
    assert deliveries_send(delivery_ids=ids, now=NOON) == {pk: SendOutcome("") for pk in ids}
    assert len(mail.outbox) == 4
    assert set(ReminderDelivery.objects.values_list("status", "attempts")) == {(Status.SENT, 1)}


def test_it_skips_the_reminder_whose_plan_was_paused_meanwhile_and_sends_the_others(
    therapist, published
):
    first, paused, third = due_deliveries(therapist, 3)
    plan = ExercisePlan.objects.get(pk=paused.schedule.subject_id)
    plan_change_status(plan=plan, action="pause")

    outcomes = deliveries_send(delivery_ids=[first.pk, paused.pk, third.pk], now=NOON)

    assert outcomes[paused.pk].status == Status.SKIPPED
    assert (outcomes[first.pk].status, outcomes[third.pk].status) == (Status.SENT, Status.SENT)
    assert sorted(recipients()) == sorted([first.patient.email, third.patient.email])
    paused.refresh_from_db()
    assert (paused.status, paused.reason) == (Status.SKIPPED, "The exercise plan is paused.")
    assert paused.handed_over_at is None


def test_it_sends_the_rest_when_another_worker_owns_one_of_the_batch(therapist, published):
    first, owned, third = due_deliveries(therapist, 3)
    other_token = uuid.uuid4()
    ReminderDelivery.objects.filter(pk=owned.pk).update(
        status=Status.SENDING, claim_token=other_token, claimed_at=NOON, attempts=1
    )

    outcomes = deliveries_send(delivery_ids=[first.pk, owned.pk, third.pk], now=NOON)

    assert outcomes[owned.pk].status == ""
    assert sorted(recipients()) == sorted([first.patient.email, third.patient.email])
    owned.refresh_from_db()
    assert (owned.status, owned.claim_token, owned.attempts) == (Status.SENDING, other_token, 1)


def test_it_records_a_row_handed_over_by_a_dead_worker_as_sent_and_sends_only_the_rest(
    therapist, published, settings
):
    settings.REMINDER_CLAIM_TIMEOUT_SECONDS = 60
    handed, other = due_deliveries(therapist, 2)
    ReminderDelivery.objects.filter(pk=handed.pk).update(
        status=Status.SENDING, claimed_at=NOON, handed_over_at=NOON, attempts=1
    )

    later = NOON + dt.timedelta(minutes=5)
    outcomes = deliveries_send(delivery_ids=[handed.pk, other.pk], now=later)

    assert (outcomes[handed.pk].status, outcomes[other.pk].status) == (Status.SENT, Status.SENT)
    assert recipients() == [other.patient.email]
    handed.refresh_from_db()
    assert handed.sent_at == NOON
    assert handed.last_error.startswith("Not confirmed")


def test_a_crash_mid_batch_sends_nothing_twice_and_loses_nothing(
    therapist, published, monkeypatch, settings
):
    settings.REMINDER_CLAIM_TIMEOUT_SECONDS = 60
    deliveries = due_deliveries(therapist, 4)
    ids = [delivery.pk for delivery in deliveries]
    monkeypatch.setitem(channels.CHANNELS, "email", CrashAfterHandover(at=2))
    with pytest.raises(SystemExit):
        deliveries_send(delivery_ids=ids, now=NOON)
    assert recipients() == [deliveries[0].patient.email]
    rows = {row.pk: row for row in ReminderDelivery.objects.all()}
    assert rows[ids[0]].status == Status.SENT
    assert rows[ids[1]].handed_over_at is not None  # in the server's hands when it died
    assert {rows[pk].status for pk in ids[1:]} == {Status.SENDING}

    monkeypatch.setitem(channels.CHANNELS, "email", channels.EmailChannel())
    later = NOON + dt.timedelta(minutes=2)
    outcomes = deliveries_send(delivery_ids=ids, now=later)

    assert outcomes[ids[0]].status == ""  # finished before the crash
    assert {outcomes[pk].status for pk in ids[1:]} == {Status.SENT}
    # The handed-over one is not sent again; the two never handed over go now.
    assert sorted(recipients()) == sorted(d.patient.email for d in [deliveries[0], *deliveries[2:]])
    unconfirmed = ReminderDelivery.objects.filter(last_error__startswith="Not confirmed")
    assert list(unconfirmed.values_list("pk", flat=True)) == [ids[1]]


def test_it_stops_at_an_unreachable_server_and_gives_the_rest_back_for_later(
    therapist, published, monkeypatch, settings
):
    settings.REMINDER_RETRY_BASE_SECONDS = 30
    deliveries = due_deliveries(therapist, 4)
    ids = [delivery.pk for delivery in deliveries]
    server = DeadServer()
    monkeypatch.setitem(channels.CHANNELS, "email", server)

    outcomes = deliveries_send(delivery_ids=ids, now=NOON)

    assert server.calls == 1  # not one EMAIL_TIMEOUT wait per reminder
    assert {(o.status, o.retry_in) for o in outcomes.values()} == {(Status.PENDING, 30)}
    rows = {row.pk: row for row in ReminderDelivery.objects.all()}
    retry_at = NOON + dt.timedelta(seconds=30)
    assert (rows[ids[0]].attempts, rows[ids[0]].next_attempt_at) == (1, retry_at)
    assert "Could not reach" in rows[ids[0]].last_error
    for pk in ids[1:]:  # never tried: the attempt is not counted against them
        assert (rows[pk].status, rows[pk].attempts, rows[pk].claim_token) == (
            Status.PENDING,
            0,
            None,
        )
        assert rows[pk].next_attempt_at == retry_at

    monkeypatch.setitem(channels.CHANNELS, "email", channels.EmailChannel())
    assert {o.status for o in deliveries_send(delivery_ids=ids, now=NOON).values()} == {""}
    outcomes = deliveries_send(delivery_ids=ids, now=retry_at)
    assert {o.status for o in outcomes.values()} == {Status.SENT}
    assert len(mail.outbox) == 4


def test_it_gives_back_what_it_had_no_time_left_to_send(therapist, published, settings):
    settings.CELERY_TASK_SOFT_TIME_LIMIT = 0
    deliveries = due_deliveries(therapist, 3)
    ids = [delivery.pk for delivery in deliveries]

    outcomes = deliveries_send(delivery_ids=ids, now=NOON)

    assert mail.outbox == []
    assert {(o.status, o.retry_in) for o in outcomes.values()} == {(Status.PENDING, 0)}
    assert set(ReminderDelivery.objects.values_list("status", "attempts", "next_attempt_at")) == {
        (Status.PENDING, 0, None)
    }
    settings.CELERY_TASK_SOFT_TIME_LIMIT = 100
    assert {o.status for o in deliveries_send(delivery_ids=ids, now=NOON).values()} == {Status.SENT}


@pytest.mark.parametrize("count", [1, 12])
def test_it_costs_six_queries_a_batch_plus_one_a_reminder(
    therapist, published, django_assert_num_queries, count
):
    ids = [delivery.pk for delivery in due_deliveries(therapist, count)]
    # Per batch: claim (UPDATE), load deliveries with schedules and patients, the plans' rules,
    # sessions already logged, the plans' current versions for the messages, and at the end
    # the last message recorded as sent (UPDATE).
    # Per reminder: its handover, which also records the previous message as sent (UPDATE).
    with django_assert_num_queries(6 + count):
        outcomes = deliveries_send(delivery_ids=ids, now=NOON)
    assert [outcomes[pk].status for pk in ids] == [Status.SENT] * count
    assert len(mail.outbox) == count
    sent = ReminderDelivery.objects.filter(status=Status.SENT, claim_token=None, last_error="")
    assert sent.count() == count
    assert all(row.sent_at == row.handed_over_at is not None for row in sent)


def test_it_leaves_an_accepted_message_to_the_worker_that_took_its_row_over(
    therapist, published, monkeypatch
):
    first, second = due_deliveries(therapist, 2)
    other_token = uuid.uuid4()

    class TakenOverAfterTheFirst:
        def send(self, message, *, handover):
            if mail.outbox:  # the first is out: another worker takes its row over meanwhile
                ReminderDelivery.objects.filter(pk=first.pk).update(claim_token=other_token)
            channels.EmailChannel().send(message, handover=handover)

    monkeypatch.setitem(channels.CHANNELS, "email", TakenOverAfterTheFirst())
    outcomes = deliveries_send(delivery_ids=[first.pk, second.pk], now=NOON)

    assert (outcomes[first.pk].status, outcomes[second.pk].status) == ("", Status.SENT)
    assert len(mail.outbox) == 2
    first.refresh_from_db()
    assert (first.status, first.claim_token) == (Status.SENDING, other_token)
