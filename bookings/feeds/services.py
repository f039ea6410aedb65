"""Writes for calendar feeds: make a new secret link (revoking the old one), revoke, and the
audit line each fetch leaves.

Audit: one event when a link is made, one when it is revoked, and one per fetch of the feed
(not one per appointment in it: a phone polls every hour, and the feed names no patient).
"""

from __future__ import annotations

import logging
import secrets
import time

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from bookings.feeds.models import CalendarFeed
from bookings.feeds.selectors import feed_owner, feed_token_hash
from clinic import audit
from clinic.models import User

#: Fetches of one feed allowed in a clock hour before it answers 429.
FETCHES_PER_HOUR = 60
log = logging.getLogger(__name__)


def _revoke(feed: CalendarFeed, *, by, reason: str) -> None:
    feed.revoked_at = timezone.now()
    feed.revoked_by = by
    feed.save(update_fields=["revoked_at", "revoked_by", "updated_at"])
    audit.record(
        "update",
        obj=feed,
        user=by,
        detail={
            "event": "calendar_feed_revoked",
            "therapist": str(feed.therapist.public_id),
            "reason": reason,
        },
    )


@transaction.atomic
def calendar_feed_create(*, therapist) -> str:
    """Give the therapist a new secret feed link and return its secret (shown once, never
    stored). Any live link of theirs is revoked in the same transaction, so at most one
    works at any moment; concurrent calls are serialised on the therapist's row."""
    feed_owner(user=therapist)
    User.objects.select_for_update().filter(pk=therapist.pk).first()
    for feed in CalendarFeed.objects.live().filter(therapist=therapist).select_related("therapist"):
        _revoke(feed, by=therapist, reason="replaced")
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(therapist=therapist, token_hash=feed_token_hash(token))
    audit.record("create", obj=feed, user=therapist, detail={"event": "calendar_feed_created"})
    return token


@transaction.atomic
def calendar_feed_revoke(*, feed: CalendarFeed, by) -> bool:
    """Revoke a feed (its URL answers 404 from now on). False when it already was."""
    locked = CalendarFeed.objects.select_for_update().select_related("therapist").get(pk=feed.pk)
    if not locked.is_live:
        return False
    _revoke(locked, by=by, reason="by_therapist" if by == locked.therapist else "by_manager")
    return True


def calendar_feed_fetch_allowed(*, feed: CalendarFeed) -> bool:
    """Whether this fetch is within the feed's allowance (FETCHES_PER_HOUR in a fixed clock
    hour, counted in the shared cache). Phones poll hourly; a leaked link run by a script
    is slowed down instead of costing a query per request."""
    key = f"calendar-feed-fetches:{feed.pk}:{int(time.time() // 3600)}"
    try:
        if cache.add(key, 1, timeout=3600):
            return True  # the first this hour (or a cache that keeps nothing)
        return cache.incr(key) <= FETCHES_PER_HOUR
    except ValueError:  # the hour's count expired between the two calls
        return True
    except Exception:  # the cache is down: serve the feed, uncounted (a phone polls hourly)
        log.warning("calendar feed: cache unreachable, fetch not counted")
        return True


def calendar_feed_fetched(*, feed: CalendarFeed, status: int, events: int) -> None:
    """The audit line for one fetch of the feed (by a phone: no user)."""
    audit.record(
        "view",
        obj=feed,
        detail={
            "event": "calendar_feed_fetched",
            "therapist": str(feed.therapist.public_id),
            "status": status,
            "events": events,
        },
    )
