"""The reminder dispatcher: what is due, the deliveries it creates, and missed-marking.

The database is the source of truth for what must be sent. The dispatcher turns due schedules
into `ReminderDelivery` rows (one per schedule, local date and slot: a unique constraint) and
hands the pending ones to the send step. It never queues a task itself: the worker path
(`notifications.tasks`) passes an `enqueue` that publishes send tasks after each batch
commits. If the broker is down the rows simply stay pending, and the next cycle queues them
again; the same sweep re-queues rows stuck in "sending" after a worker died and marks rows
too late to be useful as missed.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Protocol

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from notifications import timing
from notifications.checks import claim_timeout, due_for, grace, judge, sends_late
from notifications.models import ReminderDelivery, ReminderSchedule
from notifications.schedules import timing_kwargs
from notifications.sending import SEND_BATCH, deliveries_send
from notifications.sources import Due, all_sources

DISPATCH_BATCH = 500
# Further back than this the dispatcher does not even record what it missed.
CATCH_UP_LIMIT = dt.timedelta(days=7)

Status = ReminderDelivery.Status


@dataclass
class DispatchResult:
    created: int = 0
    queued: int = 0
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    missed: int = 0
    requeued: int = 0
    retrying: int = 0
    outcomes: dict = field(default_factory=dict)
    # Once publishing fails, the rest of the cycle does not wait on the broker again.
    broker_down: bool = False


class Enqueue(Protocol):
    """Publishes send tasks for these pending deliveries and adds how many it queued to
    `result.queued`; with `after_commit`, only once the current transaction commits. Never
    raises for a broker failure: it sets `result.broker_down` and leaves the rows pending."""

    def __call__(
        self, delivery_ids: list[int], result: DispatchResult, *, after_commit: bool
    ) -> None: ...


def _dispatch_batch(
    schedules: list[ReminderSchedule], now: dt.datetime, result: DispatchResult
) -> list[int]:
    late_after = grace()
    rows: list[ReminderDelivery] = []
    to_judge: list[tuple[ReminderSchedule, Due]] = []
    judged_rows: list[ReminderDelivery] = []
    for schedule in schedules:
        settings_kw = timing_kwargs(schedule)
        if schedule.next_due_at < now - CATCH_UP_LIMIT:
            occurrence = timing.next_occurrence(after=now - CATCH_UP_LIMIT, **settings_kw)
        else:
            occurrence = timing.occurrence_at(schedule.next_due_at, schedule.zone)
        while occurrence is not None and occurrence.due_at <= now:
            row = ReminderDelivery(
                schedule=schedule,
                patient_id=schedule.patient_id,
                local_date=occurrence.local_date,
                slot=occurrence.slot,
                due_at=occurrence.due_at,
                channel=schedule.channel,
            )
            if now - occurrence.due_at > late_after and not sends_late(schedule):
                row.status = Status.MISSED
                row.reason = "The reminder service was not running when this was due."
            else:
                to_judge.append((schedule, due_for(schedule, occurrence)))
                judged_rows.append(row)
            rows.append(row)
            occurrence = timing.next_occurrence(after=occurrence.due_at, **settings_kw)
        schedule.next_due_at = occurrence.due_at if occurrence else None
        if occurrence is None and schedule.once_at is not None:
            schedule.ended_at = now
    for row, (schedule, _), verdict in zip(judged_rows, to_judge, judge(to_judge), strict=True):
        if verdict is not None:
            row.status, row.reason = Status.SKIPPED, verdict.reason[:200]
            if verdict.final:
                schedule.ended_at, schedule.next_due_at = now, None
    existing = set(
        ReminderDelivery.objects.filter(
            schedule_id__in=[schedule.pk for schedule in schedules],
            local_date__in={row.local_date for row in rows},
        ).values_list("schedule_id", "local_date", "slot")
    )
    new_rows = [row for row in rows if (row.schedule_id, row.local_date, row.slot) not in existing]
    ReminderDelivery.objects.bulk_create(new_rows)
    _schedules_advance(schedules)
    result.created += len(new_rows)
    result.skipped += sum(row.status == Status.SKIPPED for row in new_rows)
    result.missed += sum(row.status == Status.MISSED for row in new_rows)
    return [row.pk for row in new_rows if row.status == Status.PENDING]


def _schedules_advance(schedules: list[ReminderSchedule]) -> None:
    """Save each schedule's new next_due_at and ended_at: one UPDATE per distinct pair.

    Schedules due together mostly move on together (same zone, same time of day), so this is
    a handful of indexed updates where `bulk_update` builds a CASE over every row.
    """
    groups: dict[tuple, list[int]] = defaultdict(list)
    for schedule in schedules:
        groups[(schedule.next_due_at, schedule.ended_at)].append(schedule.pk)
    for (next_due_at, ended_at), ids in groups.items():
        ReminderSchedule.objects.filter(pk__in=ids).update(
            next_due_at=next_due_at, ended_at=ended_at
        )


def deliveries_mark_queued(*, delivery_ids: list[int], now: dt.datetime | None = None) -> None:
    """Record that send tasks for these pending deliveries are on the broker, so the sweep does
    not queue them again before the claim timeout."""
    now = now or timezone.now()
    for start in range(0, len(delivery_ids), 500):
        ReminderDelivery.objects.filter(
            pk__in=delivery_ids[start : start + 500], status=Status.PENDING, queued_at__isnull=True
        ).update(queued_at=now)


def _sweep(now: dt.datetime, result: DispatchResult) -> list[int]:
    """Mark rows too late to send as missed; return the ones that need (re-)queueing."""
    stale_before = now - claim_timeout()
    abandoned = Q(status=Status.PENDING) | Q(status=Status.SENDING, claimed_at__lt=stale_before)
    late_sources = [source.name for source in all_sources() if source.send_late]
    result.missed += (
        ReminderDelivery.objects.filter(
            abandoned, due_at__lt=now - grace(), handed_over_at__isnull=True
        )
        .exclude(schedule__source__in=late_sources)
        .update(
            status=Status.MISSED,
            reason="It could not be sent in time.",
            claim_token=None,
            updated_at=now,
        )
    )
    waiting = Q(status=Status.PENDING, due_at__lte=now) & (
        Q(queued_at__isnull=True) | Q(queued_at__lt=stale_before)
    )
    return list(
        ReminderDelivery.objects.filter(
            waiting | Q(status=Status.SENDING, claimed_at__lt=stale_before)
        )
        .order_by("due_at")
        .values_list("pk", flat=True)[:10_000]
    )


def schedules_due(*, now: dt.datetime):
    """The dispatcher's hot query: one batch of due schedules, locked, on the partial index.

    Call inside a transaction. Rows another dispatcher holds are skipped, not waited for.
    """
    return (
        ReminderSchedule.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("patient")
        .filter(next_due_at__lte=now)
        .order_by("next_due_at")[:DISPATCH_BATCH]
    )


def reminders_dispatch(
    *, now: dt.datetime | None = None, enqueue: Enqueue | None = None
) -> DispatchResult:
    """One dispatcher cycle: create every delivery due by `now` and get pending ones sent.

    With `enqueue` (the worker path, see `notifications.tasks`) the pending deliveries are
    handed to it inside each batch's transaction (to publish after commit), and the sweep's
    re-queue at once. Without it the sends happen here, one after another (the management
    command, tests). Safe to run twice, concurrently too: schedules are locked (and skipped
    when locked) and deliveries are unique per slot.
    """
    now = now or timezone.now()
    result = DispatchResult()
    while True:
        with transaction.atomic():
            schedules = list(schedules_due(now=now))
            if not schedules:
                break
            pending = _dispatch_batch(schedules, now, result)
            if enqueue is not None and pending:
                enqueue(pending, result, after_commit=True)
        if len(schedules) < DISPATCH_BATCH:
            break
    waiting = _sweep(now, result)
    if enqueue is None:
        for start in range(0, len(waiting), SEND_BATCH):
            batch = waiting[start : start + SEND_BATCH]
            for outcome in deliveries_send(delivery_ids=batch, now=now).values():
                result.outcomes[outcome.status] = result.outcomes.get(outcome.status, 0) + 1
        result.sent = result.outcomes.get(Status.SENT, 0)
        result.failed = result.outcomes.get(Status.FAILED, 0)
        result.skipped += result.outcomes.get(Status.SKIPPED, 0)
        result.missed += result.outcomes.get(Status.MISSED, 0)
        result.retrying = result.outcomes.get(Status.PENDING, 0)
    elif waiting:
        queued_before = result.queued
        enqueue(waiting, result, after_commit=False)
        result.requeued, result.queued = result.queued - queued_before, queued_before
    return result
