"""How many booking requests one address or one contact may send in an hour.

Counted in Django's cache (Redis in production and in the tests), in fixed one-hour windows
keyed by a hash: the cache never holds an email address or phone number in clear. A request
is refused when any of its keys (the client's IP address, the email address, the phone
number) has reached the limit, so changing the address or the email alone does not help.

When the cache cannot be reached, requests are let through and counted nowhere (one warning
in the log per call): the form is how a new patient with an urgent symptom is sent to help,
and reception reviews every request, so an outage of Redis must not turn it into an error
page. The honeypot still applies.
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache

WINDOW_SECONDS = 60 * 60
log = logging.getLogger(__name__)


def _key(kind: str, value: str) -> str:
    digest = hashlib.sha256(f"{kind}:{value.strip().lower()}".encode()).hexdigest()[:32]
    return f"booking-request:{kind}:{digest}"


def keys_for(*, ip: str | None, email: str = "", phone: str = "") -> list[str]:
    pairs = (("ip", ip or ""), ("email", email), ("phone", phone))
    return [_key(kind, value) for kind, value in pairs if value]


def limit() -> int:
    return settings.BOOKING_REQUESTS_PER_HOUR


def is_limited(keys: list[str]) -> bool:
    """True when any key has used up its requests for this window."""
    try:
        counts = cache.get_many(keys)
    except Exception:  # any backend's failure: the cache is a guard, not the record
        log.warning("booking-request throttle: cache unreachable, request not limited")
        return False
    return any(int(count) >= limit() for count in counts.values())


def count(keys: list[str]) -> None:
    """Count one request against every key; each key's window starts with its first one."""
    try:
        for key in keys:
            cache.add(key, 0, timeout=WINDOW_SECONDS)
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr: start a new window
                cache.set(key, 1, timeout=WINDOW_SECONDS)
    except Exception:  # see the module's note: counted nowhere while the cache is down
        log.warning("booking-request throttle: cache unreachable, request not counted")
