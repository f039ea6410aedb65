"""Celery entry points for bookings."""

from __future__ import annotations

import logging

from celery import shared_task

from bookings.requests.messages import TEXT_TASK, decision_text
from bookings.waitlist.offers import waitlist_offers_expire
from notifications.channels import ServerUnreachable, TransientError

logger = logging.getLogger(__name__)

#: Seconds before each new try while the SMS provider is down or busy.
TEXT_RETRY_DELAYS = (10, 30, 60, 120, 300)


@shared_task(name="bookings.waitlist_expire", ignore_result=True)
def expire_waitlist_offers() -> None:
    """Run by beat every minute: expired offers move on to the next patient."""
    expired = waitlist_offers_expire()
    if expired:
        logger.info("Waitlist: %d offer(s) expired and moved on", expired)


@shared_task(name=TEXT_TASK, bind=True, ignore_result=True, max_retries=len(TEXT_RETRY_DELAYS))
def text_decision(self, request_id: int) -> None:
    """Text a booking request's decision to the requester. Tried again while the provider is
    unreachable or answers "try later"; a text the provider may have taken (no answer came) or
    refused for good is logged, never sent twice: reception can ring the number instead."""
    try:
        decision_text(request_id=request_id)
    except (TransientError, ServerUnreachable) as exc:
        if self.request.retries >= self.max_retries:
            logger.error("Gave up texting about booking request %s: %s", request_id, exc)
            return
        delay = TEXT_RETRY_DELAYS[min(self.request.retries, len(TEXT_RETRY_DELAYS) - 1)]
        raise self.retry(exc=exc, countdown=delay) from exc
    except Exception:
        logger.exception("Could not text about booking request %s", request_id)
