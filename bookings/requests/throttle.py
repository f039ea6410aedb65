"""How many booking requests one address or one contact may send in an hour.

Counted in Django's cache (Redis in production and in the tests), in fixed one-hour windows
keyed by a hash: the cache never holds an email address or phone number in clear. A request
is refused when any of its keys (the client's IP address, the email address, the phone
number) has reached the limit, so changing the address or the email alone does not help.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache

WINDOW_SECONDS = 60 * 60


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
    counts = cache.get_many(keys)
    return any(int(count) >= limit() for count in counts.values())


def count(keys: list[str]) -> None:
    """Count one request against every key; each key's window starts with its first one."""
    for key in keys:
        cache.add(key, 0, timeout=WINDOW_SECONDS)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr: start a new window
            cache.set(key, 1, timeout=WINDOW_SECONDS)
