"""Celery entry points: each takes ids, calls one service and is safe to run twice."""

from __future__ import annotations

import logging

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
    """Send one reminder, or the few the dispatcher queued together to save broker round trips.

    Each is claimed and recorded on its own, so a batch redelivered after a crash sends nothing
    twice; a retry is queued for its own reminder only.
    """
    for delivery_id in delivery_ids:
        outcome = services.delivery_send(delivery_id=delivery_id)
        if outcome.retry_in is not None:
            try:
                # A short countdown only: if this message is lost, the dispatcher re-queues it.
                send_reminder.apply_async((delivery_id,), countdown=outcome.retry_in, retry=False)
            except Exception as exc:  # the broker is down: the dispatcher will pick it up
                logger.warning("Could not queue a retry for reminder %s: %s", delivery_id, exc)
