"""What every calendar file the site writes shares: event ids and text a calendar may carry.

The confirmation emails (bookings/emails.py) and the therapists' subscription feeds
(bookings/feeds/) both describe appointments to calendar apps; the same appointment has the
same UID in both, so an app that holds it from one source recognises it from the other.
"""

from __future__ import annotations

import re

from django.conf import settings

PRODID = "-//Apex Clinic//Bookings//EN"

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def calendar_text(text: str) -> str:
    """Text as a calendar file may carry it. The library escapes line breaks, commas and
    semicolons, but passes control characters (which RFC 5545 forbids) and the Unicode line
    separators some readers split on straight through: every kind of line break becomes one
    newline, and the other control characters go."""
    return _CONTROL.sub("", "\n".join(text.splitlines()))


def event_uid(appointment) -> str:
    """The appointment's UID: its public id at the site's domain, stable for its whole life
    (moves and cancellation change SEQUENCE, never the UID)."""
    domain = settings.SITE_URL.split("://", 1)[-1].split("/")[0].split(":")[0] or "apex-clinic"
    return f"{appointment.public_id}@{domain}"


def one_line(text: str) -> str:
    """A label (a name, a place, a title) on one line: calendar apps show these in a single
    line, and some properties are not text the library escapes."""
    return " ".join(calendar_text(text).split())
