"""Page links without a `reverse()` per link.

`reverse()` walks the URL resolver on every call (0.05-0.1 ms); a list page that links each
of its rows, or the navigation on every page, pays that many times over. These helpers reverse
each URL name once per process (and script prefix) and fill in the argument themselves. They
return exactly what `reverse()` returns.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.templatetags.static import static
from django.urls import get_script_prefix, reverse

_PLACEHOLDER = uuid.UUID(int=0)


def fixed_url(name: str) -> str:
    """`reverse(name)` for a URL without arguments."""
    return _reversed(name, get_script_prefix())


def uuid_url(name: str, value: uuid.UUID | str) -> str:
    """`reverse(name, args=[value])` for a URL whose one argument is a UUID (a `public_id`).
    Raises ValueError when `value` is not a UUID."""
    before, after = _split(name, get_script_prefix())
    return f"{before}{value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))}{after}"


def uuid_url_parts(name: str) -> tuple[str, str]:
    """What comes before and after the UUID in `uuid_url(name, value)`, with the script prefix
    read now: for a list that draws the same link for many rows."""
    return _split(name, get_script_prefix())


def uuid_urls() -> Callable[[str, uuid.UUID | str], str]:
    """`uuid_url` with the script prefix read now, once: for a panel or a list that draws
    many links (each `uuid_url` reads the prefix from asgiref's `Local`, whose attribute
    lookups fail and build their error twice a read). The function it gives returns exactly
    what `uuid_url` returns while the prefix stays the same (within one request)."""
    prefix = get_script_prefix()

    def url(name: str, value: uuid.UUID | str) -> str:
        before, after = _split(name, prefix)
        return f"{before}{value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))}{after}"

    return url


#: Where a page hangs the `uuid_urls()` it made for one view (`hold_urls`).
_HELD_URLS = "_held_uuid_urls"


def hold_urls(owner) -> Callable[[str, uuid.UUID | str], str]:
    """`uuid_urls()` made now and hung on `owner` for the rest of this view, for the page's
    panels in other apps (`held_urls`): the script prefix read once a view, not once a panel.
    `owner` must live no longer than the request."""
    url = uuid_urls()
    owner.__dict__[_HELD_URLS] = url
    return url


def held_urls(owner) -> Callable[[str, uuid.UUID | str], str]:
    """The `uuid_urls()` hung on `owner` by `hold_urls`, else a new one (`owner` may be
    None): the same links either way."""
    held = None if owner is None else getattr(owner, "__dict__", {}).get(_HELD_URLS)
    return held if held is not None else uuid_urls()


@functools.lru_cache(maxsize=256)
def static_url(path: str) -> str:
    """`{% static path %}`, looked up once per process: with the manifest storage a static
    file's URL (its hashed name) is fixed from start-up, and finding it walks the installed
    apps, the manifest and urllib's quoting (the base layout asks for five on every page)."""
    return static(path)


# `prefix` is part of the keys only: reverse() reads the same script prefix itself.
@functools.lru_cache(maxsize=512)
def _reversed(name: str, prefix: str) -> str:
    return reverse(name)


@functools.lru_cache(maxsize=512)
def _split(name: str, prefix: str) -> tuple[str, str]:
    url = reverse(name, args=[_PLACEHOLDER])
    before, found, after = url.partition(str(_PLACEHOLDER))
    if not found or str(_PLACEHOLDER) in after:
        raise ValueError(f"{name} does not take one UUID argument")
    return before, after


@receiver(setting_changed)
def _forget(*, setting, **kwargs):
    if setting == "ROOT_URLCONF":  # tests that swap the URLconf
        _reversed.cache_clear()
        _split.cache_clear()
    if setting in {"STATIC_URL", "STORAGES"}:
        static_url.cache_clear()
