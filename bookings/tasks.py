"""Celery entry points for bookings."""

from __future__ import annotations

import logging

from celery import shared_task

from bookings.waitlist.offers import waitlist_offers_expire

logger = logging.getLogger(__name__)


@shared_task(name="bookings.waitlist_expire", ignore_result=True)
def expire_waitlist_offers() -> None:
    """Run by beat every minute: expired offers move on to the next patient."""
    expired = waitlist_offers_expire()
    if expired:
        logger.info("Waitlist: %d offer(s) expired and moved on", expired)
