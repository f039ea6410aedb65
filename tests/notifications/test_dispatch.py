"""The dispatcher: due reminders become deliveries once, rules skip them, late ones are missed."""

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from notifications.dispatch import reminders_dispatch
from notifications.models import ReminderDelivery, ReminderSchedule
from notifications.sources import Skip
from notifications.tasks import reminders_dispatch_queued
from tests.notifications.conftest import reschedule, utc
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

Status = ReminderDelivery.Status


@pytest.fixture
def frozen():
    with time_machine.travel(utc(2026, 6, 1, 12), tick=False) as traveller:
        yield traveller


def test_it_creates_and_sends_one_delivery_when_run_twice_for_the_same_moment(
    frozen, make_schedule
):
    schedule = make_schedule(times=["13:00"])  # 12:00 UTC in summer
    assert schedule.next_due_at == utc(2026, 6, 1, 12)
    first = reminders_dispatch()
    second = reminders_dispatch()
    assert (first.created, first.sent) == (1, 1)
    assert (second.created, second.sent) == (0, 0)
    delivery = ReminderDelivery.objects.get()
    assert (delivery.status, delivery.local_date, delivery.slot) == (
        Status.SENT,
        dt.date(2026, 6, 1),
        dt.time(13),
    )
    assert len(mail.outbox) == 1
    schedule.refresh_from_db()
    assert schedule.next_due_at == utc(2026, 6, 2, 12)


def test_it_creates_nothing_new_when_the_schedule_is_rewound(frozen, make_schedule):
    schedule = make_schedule(times=["13:00"])
    reminders_dispatch()
    reschedule(schedule, after=utc(2026, 6, 1, 11))  # a settings save recomputes backwards
    result = reminders_dispatch()
    assert result.created == 0
    assert ReminderDelivery.objects.count() == 1
    assert len(mail.outbox) == 1


def test_the_command_prints_its_counts_and_is_idempotent_for_a_moment(frozen, make_schedule):
    make_schedule(times=["13:00"])
    skipped = make_schedule(PatientFactory(email_reminders_consent=False), times=["13:00"])
    out = StringIO()
    call_command("dispatch_reminders", "--at", "2026-06-01T12:00:30+00:00", stdout=out)
    assert "created=2 sent=1 skipped=1 missed=0" in out.getvalue()
    again = StringIO()
    call_command("dispatch_reminders", "--at", "2026-06-01T12:00:30+00:00", stdout=again)
    assert "created=0 sent=0 skipped=0 missed=0" in again.getvalue()
    assert skipped.deliveries.get().reason == "The patient has not consented to reminders."


def test_the_command_rejects_a_moment_without_an_offset(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="UTC offset"):
        call_command("dispatch_reminders", "--at", "2026-06-01T12:00")


def test_it_dispatches_each_time_zone_at_its_own_local_time(frozen, make_schedule):
    london = make_schedule(PatientFactory(email_reminders_consent=True), times=["18:00"])
    new_york = make_schedule(
        PatientFactory(email_reminders_consent=True, time_zone="America/New_York"),
        times=["18:00"],
        time_zone="America/New_York",
    )
    tokyo = make_schedule(
        PatientFactory(email_reminders_consent=True, time_zone="Asia/Tokyo"),
        times=["18:00"],
        time_zone="Asia/Tokyo",
    )
    assert tokyo.next_due_at == utc(2026, 6, 2, 9)
    assert london.next_due_at == utc(2026, 6, 1, 17)
    assert new_york.next_due_at == utc(2026, 6, 1, 22)
    for moment, expected in [
        (utc(2026, 6, 1, 17, 0, 20), {london.pk}),
        (utc(2026, 6, 1, 22, 0, 20), {london.pk, new_york.pk}),
        (utc(2026, 6, 2, 9, 0, 20), {london.pk, new_york.pk, tokyo.pk}),
    ]:
        reminders_dispatch(now=moment)
        assert set(ReminderDelivery.objects.values_list("schedule_id", flat=True)) == expected
    assert set(ReminderDelivery.objects.values_list("slot", flat=True)) == {dt.time(18)}


def test_it_moves_a_reminder_in_quiet_hours_to_their_end(frozen, make_schedule):
    schedule = make_schedule(times=["06:30"], quiet_start=dt.time(22), quiet_end=dt.time(7, 15))
    assert schedule.next_due_at == utc(2026, 6, 2, 6, 15)
    assert reminders_dispatch(now=utc(2026, 6, 2, 5, 31)).created == 0
    assert reminders_dispatch(now=utc(2026, 6, 2, 6, 15)).sent == 1


def test_it_sends_within_the_grace_window_after_an_outage(frozen, make_schedule):
    make_schedule(times=["12:00"])  # due 11:00 UTC, an hour ago; default grace 2 h
    reschedule(ReminderSchedule.objects.get(), after=utc(2026, 6, 1, 10))
    result = reminders_dispatch()
    assert (result.sent, result.missed) == (1, 0)


def test_it_records_older_reminders_as_missed_not_a_burst(frozen, make_schedule, settings):
    settings.REMINDER_GRACE_MINUTES = 120
    schedule = make_schedule(times=["08:00", "10:00", "12:30"])
    reschedule(schedule, after=utc(2026, 5, 30, 12))  # the dispatcher was down two days
    result = reminders_dispatch()
    statuses = list(
        ReminderDelivery.objects.order_by("due_at").values_list("local_date", "slot", "status")
    )
    assert statuses[-1] == (dt.date(2026, 6, 1), dt.time(12, 30), Status.SENT)
    assert {status for _, _, status in statuses[:-1]} == {Status.MISSED}
    assert len(statuses) == 6
    assert (result.sent, result.missed) == (1, 5)
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("patient_fields", "reason"),
    [
        ({"archived_at": utc(2026, 5, 1)}, "The patient's record is archived."),
        ({"email_reminders_consent": False}, "The patient has not consented to reminders."),
        ({"email": ""}, "No email address on file."),
    ],
)
def test_it_skips_with_a_reason_for_staff(frozen, make_schedule, patient_fields, reason):
    patient = PatientFactory(**{"email_reminders_consent": True, **patient_fields})
    make_schedule(patient, times=["13:00"])
    result = reminders_dispatch()
    assert (result.created, result.skipped, result.sent) == (1, 1, 0)
    delivery = ReminderDelivery.objects.get()
    assert (delivery.status, delivery.reason) == (Status.SKIPPED, reason)
    assert mail.outbox == []


def test_it_asks_the_source_and_records_its_skip(frozen, make_schedule, fake_source):
    schedule = make_schedule(times=["13:00"])
    fake_source.skips[(schedule.subject_id, dt.date(2026, 6, 1))] = Skip("Already logged.")
    reminders_dispatch()
    assert ReminderDelivery.objects.get().reason == "Already logged."
    assert mail.outbox == []


def test_a_final_skip_retires_the_schedule(frozen, make_schedule, fake_source):
    schedule = make_schedule(times=["13:00"])
    fake_source.skips[(schedule.subject_id, dt.date(2026, 6, 1))] = Skip("Done.", final=True)
    reminders_dispatch()
    schedule.refresh_from_db()
    assert schedule.next_due_at is None
    assert schedule.ended_at is not None


def test_an_unsubscribed_schedule_is_never_due(frozen, make_schedule):
    schedule = make_schedule(times=["13:00"], unsubscribed_at=timezone.now())
    assert schedule.next_due_at is None
    assert reminders_dispatch().created == 0


@pytest.mark.django_db(transaction=True)  # so the dispatcher's own commits really happen
def test_it_queues_after_commit_and_skips_at_send_time_when_the_patient_opted_out(
    frozen, make_schedule, published
):
    schedule = make_schedule(times=["13:00"])
    result = reminders_dispatch_queued()
    assert (result.queued, result.requeued) == (1, 0)
    assert [args for args, _ in published] == [(ReminderDelivery.objects.get().pk,)]
    ReminderSchedule.objects.filter(pk=schedule.pk).update(unsubscribed_at=timezone.now())
    from notifications.sending import delivery_send

    outcome = delivery_send(delivery_id=ReminderDelivery.objects.get().pk)
    assert outcome.status == Status.SKIPPED
    assert mail.outbox == []
