"""Rendered page fragments, cached until the data they show changes.

A fragment is the expensive part of a page (a patient's timeline, a week of appointments),
stored in the shared cache under a key naming what it shows and to whom, together with the
*freshness tokens* of the data scopes it depends on, read in the same round trip:

* `patient:<id>`: anything recorded about one patient (every model that leads to a patient);
* `patients`: the patient roster (names, contact details shown in lists and calendars);
* `bookings`: appointments, working hours, leave, rooms and appointment types;
* `staff`: the names of clinic staff;
* `library`: the exercise library.

Saving or deleting a row replaces the tokens of its scopes (at once and again when the
transaction commits): a fragment stored with other tokens than the current ones is not served,
and the next request builds it afresh. Writes
that bypass model signals (`QuerySet.update`) call `bump()` themselves. Fragments also expire
after FRAGMENT_CACHE_SECONDS, which bounds wording that depends on the clock ("upcoming").

Two things a fragment must not freeze are handled here: the audit trail (the patients a
fragment shows are stored with it and noted again on every hit, so a cached page is audited
like a rendered one) and CSRF tokens (rendered as a placeholder and swapped for the request's
own token on the way out). A cache that is down is a miss, never an error.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from clinic import audit

logger = logging.getLogger(__name__)

_TOKEN_PREFIX = "fresh:"  # noqa: S105 (a cache key prefix, not a secret)
_FRAGMENT_PREFIX = "frag:"
_SCOPES_END = "|"
CSRF_PLACEHOLDER = "__apex_csrf_token__"

# Models whose changes are shown beyond their own patient's pages.
_GLOBAL_SCOPES = {
    "patients.patient": ("patients",),
    "bookings.appointment": ("bookings",),
    "bookings.workinghours": ("bookings",),
    "bookings.scheduleexception": ("bookings",),
    "bookings.room": ("bookings",),
    "bookings.appointmenttype": ("bookings",),
    "exercises.exercise": ("library",),
}


def key(name: str, *parts, user=None, scopes: tuple[str, ...] = ()) -> str:
    """A fragment key: the data scopes it depends on, then what is shown (`name`, `parts`) and
    for whom (the viewer's roles: pages show each role its own subset). Text appended to a key
    names another fragment with the same scopes."""
    from clinic.access import roles_of

    who = "+".join(sorted(roles_of(user))) if user is not None else "-"
    return ",".join(scopes) + _SCOPES_END + ":".join([name, who, *(str(part) for part in parts)])


def digest(text: str) -> str:
    """A short stand-in for arbitrary text (a query string) inside a key."""
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest() if text else ""


def lazy(function, /, *args, **kwargs):
    """A value computed on first use only, for template context that a cached fragment may
    never need (templates call it and read the result; later uses reuse that result)."""
    return functools.cache(functools.partial(function, *args, **kwargs))


def _memo() -> dict:
    """What this request already read from the cache (tokens and prefetched fragments): each
    is read once per request. Outside a request nothing is remembered."""
    context = audit.current()
    return context.memo if context is not None else {}


def _scopes_of(fragment_key: str) -> list[str]:
    scopes = fragment_key.split(_SCOPES_END, 1)[0]
    return scopes.split(",") if scopes else []


def _read(fragment_keys, memo: dict) -> None:
    """Bring the fragments and the tokens of their scopes into `memo`, all in one round trip;
    a scope never seen before gets its first token."""
    token_keys = {
        _TOKEN_PREFIX + scope
        for fragment_key in fragment_keys
        for scope in _scopes_of(fragment_key)
    }
    wanted = [k for k in token_keys if k not in memo]
    wanted += [_FRAGMENT_PREFIX + k for k in fragment_keys if _FRAGMENT_PREFIX + k not in memo]
    if not wanted:
        return
    found = cache.get_many(wanted)
    for cache_key in wanted:
        if cache_key.startswith(_TOKEN_PREFIX) and cache_key not in found:
            fresh = uuid.uuid4().hex
            found[cache_key] = fresh if cache.add(cache_key, fresh, None) else cache.get(cache_key)
        memo[cache_key] = found.get(cache_key)


def _tokens(fragment_key: str, memo: dict) -> str:
    return ".".join(str(memo.get(_TOKEN_PREFIX + scope)) for scope in _scopes_of(fragment_key))


def prefetch(*fragment_keys: str) -> None:
    """Read the fragments a page is about to show, and their tokens, in one round trip."""
    if audit.current() is None:
        return
    try:
        _read([k for k in fragment_keys if k], _memo())
    except Exception as exc:
        logger.warning("Fragment cache unavailable: %s", exc)


def bump(*scopes: str) -> None:
    """Replace the tokens of `scopes` now and again once the current transaction commits.

    Now: this transaction's own later reads must not see the old fragments. Again after the
    commit: a request running meanwhile may have cached the old data under the new token.
    """
    if scopes:
        _replace(scopes)
        if transaction.get_connection().in_atomic_block:
            transaction.on_commit(lambda: _replace(scopes))


def _replace(scopes) -> None:
    fresh = {_TOKEN_PREFIX + scope: uuid.uuid4().hex for scope in scopes}
    _memo().update(fresh)
    try:
        cache.set_many(fresh, None)
    except Exception as exc:
        # A token that cannot be replaced may serve stale fragments until they expire.
        logger.error("Could not invalidate cached fragments for %s: %s", scopes, exc)


def bump_patients(patient_ids) -> None:
    bump(*(f"patient:{pk}" for pk in set(patient_ids) if pk is not None))


def get(fragment_key: str) -> tuple[dict | None, str | None]:
    """The cached fragment if it was built from the current tokens of its scopes, and those
    tokens (None when the cache cannot be read: then nothing is stored either)."""
    memo = _memo()
    try:
        _read([fragment_key], memo)
    except Exception as exc:
        logger.warning("Fragment cache unavailable: %s", exc)
        return None, None
    found = memo.pop(_FRAGMENT_PREFIX + fragment_key, None)
    current = _tokens(fragment_key, memo)
    if found is not None and found.get("tokens") == current:
        return found, current
    return None, current


def put(fragment_key: str, html: str, patients: dict[int, str], tokens: str) -> None:
    """Store a fragment with the tokens read *before* it was built: a change committed while
    it was being built has replaced them, so the copy is never served."""
    if settings.FRAGMENT_CACHE_SECONDS <= 0:
        return
    try:
        cache.set(
            _FRAGMENT_PREFIX + fragment_key,
            {"html": html, "patients": patients, "tokens": tokens},
            settings.FRAGMENT_CACHE_SECONDS,
        )
    except Exception as exc:
        logger.warning("Fragment cache unavailable: %s", exc)


def render(key: str, build, csrf_token="") -> str:
    """`build(csrf_token)` rendered, or its cached copy while `key` stays the same.

    `build` receives the token to put in any form: a placeholder when the result is cached
    (each request's own token replaces it on the way out), the real one otherwise.
    """
    if not key:
        return build(csrf_token)
    found, tokens = get(key)
    if found is not None:
        audit.note_noted(found["patients"])  # the patients it shows, as rendering would
        html = found["html"]
    elif tokens is None:  # the cache is down
        return build(csrf_token)
    else:
        before = audit.noted()
        html = build(CSRF_PLACEHOLDER)
        shown = {pk: label for pk, label in audit.noted().items() if pk not in before}
        put(key, html, shown, tokens)
    if CSRF_PLACEHOLDER in html:
        html = html.replace(CSRF_PLACEHOLDER, str(csrf_token))
    return html


# --- Invalidation from model signals --------------------------------------------------------


def _scopes_for(instance) -> list[str]:
    label = instance._meta.label_lower
    scopes = list(_GLOBAL_SCOPES.get(label, ()))
    if label == "clinic.user":
        return ["staff"] if instance.role != "patient" else []
    patient = audit.patient_of(instance)
    if patient is not None and patient.pk is not None:
        scopes.append(f"patient:{patient.pk}")
    return scopes


def _on_change(sender, instance, raw=False, update_fields=None, **kwargs) -> None:
    if raw:
        return
    if update_fields is not None and set(update_fields) <= {"last_login", "password"}:
        return  # signing in changes nothing any page shows
    bump(*_scopes_for(instance))


def connect_signals() -> None:
    from django.apps import apps

    for model in apps.get_models():
        label = model._meta.label_lower
        if model.__name__.startswith("Historical"):
            continue
        if label not in _GLOBAL_SCOPES and label != "clinic.user":
            if model._meta.app_label not in audit.AUDITED_APPS:
                continue
            if not audit._leads_to_patient(model, audit._SEARCH_DEPTH):
                continue
        for signal in (post_save, post_delete):
            signal.connect(_on_change, sender=model, dispatch_uid=f"fragments-{label}")
