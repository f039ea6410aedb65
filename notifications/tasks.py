"""Celery entry points: each takes ids, calls one service and is safe to run twice."""

from __future__ import annotations

import logging
from collections import defaultdict

from celery import shared_task

from notifications import services

logger = logging.getLogger(__name__)


@shared_task(name="notifications.dispatch", ignore_result=True)
def dispatch_reminders() -> None:
    """Run by beat every minute."""
    result = services.reminders_dispatch()
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
    outcomes = services.deliveries_send(delivery_ids=list(delivery_ids))
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
