"""Celery entry points and the one place that queues reminder tasks.

Each task takes ids, calls one service and is safe to run twice. The import goes one way:
tasks import the services (schedules, dispatch, sending); no service imports this module, so
the dispatcher receives `enqueue` as an argument when a worker runs it.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from functools import partial

from celery import shared_task
from django.db import transaction

from notifications.conversation import SEND_TASK, sms_replies_overdue, sms_reply_send
from notifications.dispatch import DispatchResult, deliveries_mark_queued, reminders_dispatch
from notifications.sending import SEND_BATCH, deliveries_send

logger = logging.getLogger(__name__)


def deliveries_enqueue(delivery_ids: list[int], result: DispatchResult | None = None) -> int:
    """Publish send tasks (SEND_BATCH deliveries each) over one broker connection now.

    A broker failure is logged, not raised: the rows stay pending with no `queued_at`, and the
    next dispatcher cycle queues them again.
    """
    queued: list[int] = []
    if delivery_ids and not (result and result.broker_down):
        try:
            with send_reminder.app.producer_or_acquire() as producer:
                for start in range(0, len(delivery_ids), SEND_BATCH):
                    batch = tuple(delivery_ids[start : start + SEND_BATCH])
                    send_reminder.apply_async(batch, producer=producer, retry=False)
                    queued.extend(batch)
        except Exception as exc:  # kombu and redis-py raise several connection error types
            if result is not None:
                result.broker_down = True
            logger.warning(
                "Could not queue %d reminder(s), they stay pending for the next cycle: %s",
                len(delivery_ids) - len(queued),
                exc,
            )
    deliveries_mark_queued(delivery_ids=queued)
    return len(queued)


def _publish(delivery_ids: list[int], result: DispatchResult) -> None:
    result.queued += deliveries_enqueue(delivery_ids, result)


def enqueue(delivery_ids: list[int], result: DispatchResult, *, after_commit: bool) -> None:
    """The dispatcher's `enqueue`. A new batch is published once its transaction commits, so a
    worker never looks for rows that are not there yet; a re-queue at once."""
    if after_commit:
        transaction.on_commit(partial(_publish, delivery_ids, result))
    else:
        _publish(delivery_ids, result)


def reminders_dispatch_queued(*, now=None) -> DispatchResult:
    """One dispatcher cycle whose sends go to the workers (what beat runs every minute)."""
    return reminders_dispatch(now=now, enqueue=enqueue)


@shared_task(name="notifications.dispatch", ignore_result=True)
def dispatch_reminders() -> None:
    """Run by beat every minute."""
    result = reminders_dispatch_queued()
    for reply_id in sms_replies_overdue():
        try:
            send_sms_reply.apply_async((reply_id,), retry=False)
        except Exception as exc:  # the broker is down: the next cycle tries again
            logger.warning("Could not queue text reply %s: %s", reply_id, exc)
            break
    if result.created or result.requeued or result.missed:
        logger.info(
            "Reminders: %d created, %d queued, %d re-queued, %d skipped, %d missed",
            result.created,
            result.queued,
            result.requeued,
            result.skipped,
            result.missed,
        )


@shared_task(name="notifications.send", ignore_result=True)
def send_reminder(*delivery_ids: int) -> None:
    """Send a batch of reminders the dispatcher queued together (or one).

    The batch is claimed row by row under one token and each reminder is handed over and
    recorded on its own, so a batch redelivered after a crash sends nothing twice. Retries keep
    each reminder's own backoff: those due again after the same delay go in one task.
    """
    outcomes = deliveries_send(delivery_ids=list(delivery_ids))
    retries: dict[int, list[int]] = defaultdict(list)
    for delivery_id, outcome in outcomes.items():
        if outcome.retry_in is not None:
            retries[outcome.retry_in].append(delivery_id)
    for delay, ids in sorted(retries.items()):
        try:
            # A short countdown only: if this message is lost, the dispatcher re-queues them.
            send_reminder.apply_async(tuple(ids), countdown=delay, retry=False)
        except Exception as exc:  # the broker is down: the dispatcher will pick them up
            logger.warning("Could not queue a retry for reminders %s: %s", ids, exc)


@shared_task(name=SEND_TASK, ignore_result=True)
def send_sms_reply(reply_id: int) -> None:
    """Send one text of a conversation (a safety answer, reception's reply); safe to run twice."""
    retry_in = sms_reply_send(reply_id=reply_id)
    if retry_in is not None:
        try:
            send_sms_reply.apply_async((reply_id,), countdown=retry_in, retry=False)
        except Exception as exc:  # the broker is down
            logger.warning("Could not queue a retry for text reply %s: %s", reply_id, exc)
