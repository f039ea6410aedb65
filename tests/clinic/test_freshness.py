"""Every page shows every change on its next view, whatever wrote it.

For every concrete model with a row in the security tests' world (two patients and everything
the site holds about them) and for every write path (`save()`, `QuerySet.update`,
`bulk_update`, `bulk_create`, `delete` where the database allows it, a raw SQL UPDATE), the
test changes a row, requests every page that shows it, and compares that response with one
built after clearing every cache: they must be the same, apart from CSRF tokens and nonces.

"Every page" is every GET route of tests/security/test_url_walk.py's ROUTES (which must list
every URL), opened by a role allowed to see it, and "the pages that show a row" are found by
changing the row and looking, so a new model, a new page or a new cache is covered without a
new test.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
from dataclasses import dataclass

import pytest
import time_machine
from django.apps import apps
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, models, transaction
from django.urls import reverse
from django.utils import timezone

from tests.security.conftest import world  # noqa: F401  (the fixture, shared)
from tests.security.test_url_walk import ALLOWED, ROUTES

pytestmark = pytest.mark.django_db

#: Who opens each kind of page.
VIEWER = {
    "public": None,
    "account": "therapist",
    "patient": "patient",
    "staff": "reception",
    "clinical": "therapist",
    "manager": "manager",
    "front_desk": "reception",
}
#: Pages whose content is not the clinic's data.
NOT_DATA_PAGES = {"healthz", "bench-hello", "bench-auth"}
#: The audit log lists the views this test makes, so it differs between any two renders.
SELF_CHANGING_PAGES = {"clinic:audit"}
VOLATILE = [
    (re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]+'), r"\1"),
    (re.compile(r'(name="csrf-token" content=")[^"]+'), r"\1"),
    (re.compile(r'(nonce=")[^"]+'), r"\1"),
    # The run log's one-off form key (running/forms.py): new on every view, like a CSRF token.
    (re.compile(r'(name="submission" value=")[^"]+'), r"\1"),
]
WRITE_PATHS = ("save", "update", "bulk_update", "bulk_create", "delete", "raw_update")


class UndoError(Exception):
    """Raised to roll a savepoint back."""


@dataclass
class Page:
    name: str
    url: str
    role: str | None
    expected: frozenset[int]


def _pages(w) -> list[Page]:
    pages = []
    for name, route in sorted(ROUTES.items()):
        if (
            route.post_only
            or name in NOT_DATA_PAGES | SELF_CHANGING_PAGES
            or 200 not in route.expected()
        ):
            continue
        role = VIEWER[route.access]
        assert role in ALLOWED[route.access]
        pages.append(Page(name, reverse(name, kwargs=route.kwargs(w)), role, route.expected()))
    return pages


def _clear_caches() -> None:
    for alias in caches:
        caches[alias].clear()


def _render(w, clients: dict, pages: list[Page]) -> dict[str, tuple[int, str]]:
    seen = {}
    for page in pages:
        client = clients.setdefault(page.role, w.client_for(page.role))
        response = client.get(page.url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = body.decode(errors="replace")
        for pattern, replacement in VOLATILE:
            text = pattern.sub(replacement, text)
        seen[page.name] = (response.status_code, text)
    return seen


def _models() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy and model._meta.db_table
    ]


def _changed_value(field: models.Field, value):
    """A different value of the same kind, or None when the field is not one we change."""
    if field.choices:
        others = [choice for choice, _ in field.flatchoices if choice != value and choice != ""]
        return others[0] if others else None
    if type(field) in (models.CharField, models.TextField):
        text = f"Zx{value or ''}"
        return text[: field.max_length] if field.max_length else text
    if isinstance(field, models.BooleanField):
        return None if value is None else not value
    if value is None:
        return None
    if isinstance(field, models.DateTimeField):
        return value + dt.timedelta(days=1)
    if isinstance(field, models.DateField):
        return value + dt.timedelta(days=1)
    if isinstance(field, models.IntegerField | models.FloatField):
        return value + 1
    if isinstance(field, models.DecimalField):
        return value + decimal.Decimal(1)
    return None


def _candidates(model) -> list[models.Field]:
    return [
        field
        for field in model._meta.concrete_fields
        if not field.primary_key
        and not field.is_relation
        and not field.unique
        and not getattr(field, "auto_now", False)
        and not getattr(field, "auto_now_add", False)
    ]


def _acceptable(field, value, row) -> bool:
    """A value the site itself would accept (form validators may expect other types)."""
    try:
        field.clean(value, row)
    except Exception:
        return False
    return True


def _acceptable(field, value, row) -> bool:
    """A value the site itself would accept (form validators may expect other types)."""
    try:
        field.clean(value, row)
    except Exception:
        return False
    return True


def _change_for(model, row) -> dict:
    """As many fields of `row` changed at once as the database's constraints accept."""
    changes: dict = {}
    for field in _candidates(model):
        value = _changed_value(field, getattr(row, field.attname))
        if value is None:
            continue
        if not _acceptable(field, value, row):
            continue
        try:
            with transaction.atomic():
                model._base_manager.filter(pk=row.pk).update(**changes, **{field.attname: value})
                raise UndoError
        except UndoError:
            changes[field.attname] = value
        except DatabaseError:
            continue
    return changes


def _write(path: str, model, row, changes: dict) -> None:
    manager = model._base_manager
    if path == "save":
        obj = manager.get(pk=row.pk)
        for name, value in changes.items():
            setattr(obj, name, value)
        obj.save()
    elif path == "update":
        manager.filter(pk=row.pk).update(**changes)
    elif path == "bulk_update":
        obj = manager.get(pk=row.pk)
        for name, value in changes.items():
            setattr(obj, name, value)
        manager.bulk_update([obj], list(changes))
    elif path == "bulk_create":
        obj = manager.get(pk=row.pk)
        obj.pk = None
        obj._state.adding = True
        for field in model._meta.concrete_fields:
            if field.unique and not field.primary_key and field.has_default():
                setattr(obj, field.attname, field.get_default())
        for name, value in changes.items():
            setattr(obj, name, value)
        manager.bulk_create([obj])
    elif path == "delete":
        manager.filter(pk=row.pk).delete()
    elif path == "raw_update":
        fields = {f.attname: f for f in model._meta.concrete_fields}
        columns = ", ".join(f"{connection.ops.quote_name(fields[n].column)} = %s" for n in changes)
        values = [fields[n].get_db_prep_save(v, connection) for n, v in changes.items()]
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {connection.ops.quote_name(model._meta.db_table)} SET {columns} "  # noqa: S608 (names from the model's own metadata)
                f"WHERE {connection.ops.quote_name(model._meta.pk.column)} = %s",
                [*values, row.pk],
            )


def _stale_after(path, model, row, changes, w, clients, showing) -> list[str] | None:
    """The pages among `showing` whose next view after writing `changes` through `path` differs
    from a build with every cache cleared (None: the database refuses this write here)."""
    _clear_caches()
    _render(w, clients, showing)  # what a cache would keep from the last view
    stale = None
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    _write(path, model, row, changes)
            except (DatabaseError, ValidationError, ValueError):
                raise UndoError from None  # e.g. a protected row, a unique constraint
            following = _render(w, clients, showing)
            _clear_caches()
            fresh = _render(w, clients, showing)
            stale = [page.name for page in showing if following[page.name] != fresh[page.name]]
            raise UndoError
    except UndoError:
        pass
    return stale


def _after_raw_updates(*, w, clients, pages, rows) -> dict:
    """The pages as built, caches cleared, after these rows' changes (then rolled back)."""
    try:
        with transaction.atomic():
            for model, (row, changes) in rows:
                _write("raw_update", model, row, changes)
            _clear_caches()
            after = _render(w, clients, pages)
            raise UndoError
    except UndoError:
        pass
    return after


@pytest.fixture
def reminders_sent(world):  # noqa: F811 (the fixture)
    """Patient A's reminders so far, which the world has none of yet: one failed, one sent."""
    from notifications.models import ReminderDelivery

    schedule, day = world.a.schedule, timezone.localdate() - dt.timedelta(days=1)
    for slot, status, error in ((9, "failed", "550 No such user"), (18, "sent", "")):
        ReminderDelivery.objects.create(
            schedule=schedule,
            patient=world.a.patient,
            local_date=day,
            slot=dt.time(slot, 0),
            due_at=timezone.now() - dt.timedelta(hours=30 - slot),
            channel="email",
            status=status,
            last_error=error,
            attempts=1,
            sent_at=timezone.now() if status == "sent" else None,
        )


@pytest.fixture
def clock_still():
    """Pages say how far away things are ("in 5 minutes", "overdue"); on a slow machine a
    minute can turn between the two builds compared, which is not staleness. Stop the clock."""
    with time_machine.travel(timezone.now(), tick=False):
        yield


def test_it_shows_every_write_on_the_next_view_of_every_page(world, reminders_sent, clock_still):  # noqa: F811
    pages = _pages(world)
    clients: dict = {}
    _clear_caches()
    before = _render(world, clients, pages)
    broken = {p.name: before[p.name][0] for p in pages if before[p.name][0] not in p.expected}
    assert not broken, f"pages that do not open in the world: {broken}"

    rows = {}
    for model in _models():
        row = model._base_manager.order_by("pk").last()
        changes = _change_for(model, row) if row is not None else {}
        if changes:
            rows[model] = (row, changes)
    # Only pages that some change alters need looking at for each model (a shortcut: render
    # every page once with every change made, rather than once per model).
    with_all = _after_raw_updates(w=world, clients=clients, pages=pages, rows=rows.items())
    pages = [page for page in pages if with_all[page.name] != before[page.name]]

    stale: list[str] = []
    shown_somewhere: set[str] = set()
    for model, (row, changes) in rows.items():
        # The pages that show this row: those a change to it alters.
        after = _after_raw_updates(
            w=world, clients=clients, pages=pages, rows=[(model, (row, changes))]
        )
        showing = [page for page in pages if after[page.name] != before[page.name]]
        if showing:
            shown_somewhere.add(model._meta.label)
        for path in WRITE_PATHS if showing else ():
            pages_stale = _stale_after(path, model, row, changes, world, clients, showing)
            stale += [f"{model._meta.label} {path}: {name}" for name in pages_stale or ()]
    # The test has teeth: changes to these show on pages (a patient's name, a reminder's state).
    assert {"patients.Patient", "notifications.ReminderDelivery"} <= shown_somewhere, sorted(
        shown_somewhere
    )
    assert not stale, "pages not showing a change on their next view:\n" + "\n".join(stale)
