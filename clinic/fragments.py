"""Rendered page fragments, cached until the data they show changes.

A fragment is the expensive part of a page (a patient's timeline, a week of appointments),
stored in the shared cache under a key made of what it shows and a *freshness token* per data
scope it depends on:

* `patient:<id>`: anything recorded about one patient (every model that leads to a patient);
* `patients`: the patient roster (names, contact details shown in lists and calendars);
* `bookings`: appointments, working hours, leave, rooms and appointment types;
* `staff`: the names of clinic staff;
* `library`: the exercise library.

Saving or deleting a row replaces the tokens of its scopes (at once and again when the
transaction commits), so the next request builds the fragment afresh. Writes
that bypass model signals (`QuerySet.update`) call `bump()` themselves. Fragments also expire
after FRAGMENT_CACHE_SECONDS, which bounds wording that depends on the clock ("upcoming").

Two things a fragment must not freeze are handled here: the audit trail (the patients a
fragment shows are stored with it and noted again on every hit, so a cached page is audited
like a rendered one) and CSRF tokens (rendered as a placeholder and swapped for the request's
own token on the way out). A cache that is down is a miss, never an error.
"""

from __future__ import annotations

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
    """A fragment key: what is shown (`name`, `parts`), for whom (the viewer's roles: pages show
    each role its own subset) and the freshness tokens of the data it comes from."""
    from clinic.access import roles_of

    who = "+".join(sorted(roles_of(user))) if user is not None else "-"
    return ":".join([name, who, *(str(part) for part in parts), tokens(*scopes)])


def digest(text: str) -> str:
    """A short stand-in for arbitrary text (a query string) inside a key."""
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest() if text else ""


def lazy(function, /, *args, **kwargs):
    """A value computed on first use only, for template context that a cached fragment may
    never need (templates call it and read the result; later uses reuse that result)."""
    result = []

    def value():
        if not result:
            result.append(function(*args, **kwargs))
        return result[0]

    return value


def _memo() -> dict:
    """What this request already read from the cache (tokens and prefetched fragments): each
    is fetched once per request. Outside a request nothing is remembered."""
    context = audit.current()
    return context.memo if context is not None else {}


def tokens(*scopes: str) -> str:
    """The current tokens of `scopes`, joined: part of the key of anything built from them."""
    memo = _memo()
    keys = [_TOKEN_PREFIX + scope for scope in scopes]
    missing = [key for key in keys if key not in memo]
    if missing:
        try:
            found = cache.get_many(missing)
            for key in missing:
                if key not in found:
                    fresh = uuid.uuid4().hex
                    found[key] = fresh if cache.add(key, fresh, None) else cache.get(key, fresh)
        except Exception as exc:  # the cache is down: build everything afresh, do not fail
            logger.warning("Fragment cache unavailable: %s", exc)
            return uuid.uuid4().hex
        memo.update(found)
    return ".".join(str(memo[key]) for key in keys)


def prefetch(*keys: str) -> None:
    """Read the fragments a page is about to show in one round trip instead of one each."""
    memo = _memo()
    wanted = [_FRAGMENT_PREFIX + key for key in keys if key]
    if not wanted or audit.current() is None:
        return
    try:
        found = cache.get_many(wanted)
    except Exception as exc:
        logger.warning("Fragment cache unavailable: %s", exc)
        return
    for cache_key in wanted:
        memo[cache_key] = found.get(cache_key)


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


def get(key: str) -> dict | None:
    memo = _memo()
    if _FRAGMENT_PREFIX + key in memo:
        return memo.pop(_FRAGMENT_PREFIX + key)
    try:
        return cache.get(_FRAGMENT_PREFIX + key)
    except Exception as exc:
        logger.warning("Fragment cache unavailable: %s", exc)
        return None


def put(key: str, html: str, patients: dict[int, str]) -> None:
    if settings.FRAGMENT_CACHE_SECONDS <= 0:
        return
    try:
        cache.set(
            _FRAGMENT_PREFIX + key,
            {"html": html, "patients": patients},
            settings.FRAGMENT_CACHE_SECONDS,
        )
    except Exception as exc:
        logger.warning("Fragment cache unavailable: %s", exc)


def replay_audit(patients: dict[int, str]) -> None:
    """Note the patients a cached fragment shows, as rendering it would have."""
    context = audit.current()
    if context is not None:
        for patient_id, label in patients.items():
            context.patients.setdefault(patient_id, label)


def noted_since(before: set[int]) -> dict[int, str]:
    context = audit.current()
    if context is None:
        return {}
    return {pk: label for pk, label in context.patients.items() if pk not in before}


def noted_now() -> set[int]:
    context = audit.current()
    return set(context.patients) if context is not None else set()


def render(key: str, build, csrf_token="") -> str:
    """`build(csrf_token)` rendered, or its cached copy while `key` stays the same.

    `build` receives the token to put in any form: a placeholder when the result is cached
    (each request's own token replaces it on the way out), the real one otherwise.
    """
    if not key:
        return build(csrf_token)
    found = get(key)
    if found is not None:
        replay_audit(found["patients"])
        html = found["html"]
    else:
        before = noted_now()
        html = build(CSRF_PLACEHOLDER)
        put(key, html, noted_since(before))
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
