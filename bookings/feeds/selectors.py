"""Reads for calendar feeds.

A feed is found by the hash of the secret in its URL; the secret itself is never stored. The
unique index on the hash makes the lookup one index probe whatever the secret, and the hash
is compared again in constant time, so neither the database nor Python leaks how much of a
guessed secret was right.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from bookings.feeds import ics
from bookings.feeds.models import CalendarFeed
from bookings.models import Appointment
from bookings.selectors import clinic_zone
from clinic.access import THERAPIST, roles_of

#: The feed covers appointments that start in this window around now.
PAST = dt.timedelta(days=30)
AHEAD = dt.timedelta(days=366)

#: What `secrets.token_urlsafe(32)` makes: anything else is refused before any query.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")


def feed_token_hash(token: str) -> str:
    """The only form of a feed's secret that is stored (SHA-256, hex). The secret is 256
    random bits, so a plain hash without salt or stretching cannot be reversed by guessing."""
    return hashlib.sha256(token.encode()).hexdigest()


def feed_owner(*, user):
    """The signed-in user whose feed page this is: therapists (and the manager, who also
    works as one) have a feed; anyone else gets 404, as if the page did not exist."""
    if THERAPIST not in roles_of(user):
        raise Http404("Only therapists have a calendar feed")
    return user


def calendar_feed_live(*, therapist) -> CalendarFeed | None:
    """The therapist's live feed, or None."""
    return CalendarFeed.objects.live().filter(therapist=therapist).first()


def calendar_feed_by_token(*, token: str) -> CalendarFeed:
    """The live feed whose secret is `token`, with its therapist; 404 for a revoked, unknown
    or malformed one (they look alike from outside). One query."""
    if not TOKEN_SHAPE.fullmatch(token):
        raise Http404("No such calendar feed")
    wanted = feed_token_hash(token)
    feed = CalendarFeed.objects.live().select_related("therapist").filter(token_hash=wanted).first()
    if feed is None or not constant_time_compare(feed.token_hash, wanted):
        raise Http404("No such calendar feed")
    return feed


def feed_window(now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    now = now or timezone.now()
    return now - PAST, now + AHEAD


def feed_appointments(*, therapist, start: dt.datetime, end: dt.datetime) -> QuerySet:
    """The therapist's appointments starting in [start, end), cancelled ones included (the
    feed tells calendar apps to take them off), in one query. Only the columns an event
    shows are read: notes, reasons and the episode never leave the database."""
    return (
        Appointment.objects.filter(therapist=therapist, start__gte=start, start__lt=end)
        .select_related("patient", "appointment_type", "room", "site")
        .only(
            "public_id",
            "start",
            "end",
            "status",
            "sequence",
            "created_at",
            "updated_at",
            "room",
            "site",
            "patient__first_name",
            "patient__last_name",
            "patient__updated_at",
            "appointment_type__name",
            "appointment_type__updated_at",
            "room__name",
            "room__updated_at",
            "site__name",
            "site__address",
            "site__is_default",
            "site__updated_at",
        )
        .order_by("start", "id")
    )


def feed_url(token: str) -> str:
    """The full address of the feed with this secret."""
    return f"{settings.SITE_URL}{reverse('bookings:feed', args=[token])}"


@dataclass(frozen=True)
class FeedDocument:
    body: bytes
    events: int
    last_modified: int  # a Unix timestamp, whole seconds as HTTP dates have


def calendar_feed_document(*, feed: CalendarFeed, now: dt.datetime | None = None) -> FeedDocument:
    """The feed's iCalendar file as of `now`, built from one query."""
    start, end = feed_window(now)
    appointments = list(feed_appointments(therapist=feed.therapist, start=start, end=end))
    zone = clinic_zone()
    body = ics.feed_calendar(
        appointments,
        header=ics.FeedHeader(
            uid=str(feed.public_id),
            name=f"Apex Clinic: {feed.therapist}",
            zone=zone,
            first=start.astimezone(zone).date(),
            last=end.astimezone(zone).date(),
        ),
        detail_prefix=detail_prefix(),
    )
    changed = ics.last_changed(appointments, since=feed.created_at)
    return FeedDocument(body=body, events=len(appointments), last_modified=int(changed))


def detail_prefix() -> str:
    """The full address of the staff appointment page without its id (each event links to
    its appointment; the page asks for a sign-in)."""
    placeholder = uuid.UUID(int=0)
    path = reverse("bookings:detail", args=[placeholder]).removesuffix(f"{placeholder}/")
    return f"{settings.SITE_URL}{path}"
