"""A statement prepared with `keep_plan` (clinic/rows.py) runs with the plan the server keeps
for it, and leaves the connection's planning as it found it for the statements after it,
whether it succeeds or fails, inside a transaction or not. The dashboard's today's
appointments are such a statement: `auto` planned them anew on every view."""

from __future__ import annotations

import pytest
from django.db import DataError, connection, transaction
from django.db.models import ExpressionWrapper, F, IntegerField, Value
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clinic.models import User
from clinic.rows import KEEP_PLAN_ALONE, _prepared, prepared_list

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql"
        or not connection.settings_dict.get("PREPARED_STATEMENTS"),
        reason="plans are kept only for PostgreSQL's prepared statements",
    ),
]


def _plans(name: str) -> tuple[int, int]:
    """Generic and custom plans made so far for the statement named `name` on this connection
    (none before it is first prepared here)."""
    kept = _prepared.get((name, connection.alias))
    if kept is None:  # not compiled in this process yet
        return (0, 0)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = %s",
            [kept.statement.name],
        )
        rows = cursor.fetchall()
    return tuple(rows[0]) if rows else (0, 0)


def _mode() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW plan_cache_mode")
        return cursor.fetchone()[0]


@pytest.mark.django_db
def test_the_dashboard_keeps_the_plan_of_todays_appointments_and_then_plans_as_before(
    therapist,
):
    client = Client()
    client.force_login(therapist)
    generic, custom = _plans("bookings.panels.dashboard_today")
    for _ in range(7):  # `auto` would have planned each of these views' statement anew
        assert client.get(reverse("clinic:dashboard")).status_code == 200

    assert _plans("bookings.panels.dashboard_today") == (generic + 7, custom)
    assert _mode() == "auto"


@pytest.mark.django_db(transaction=True)
def test_it_keeps_the_plan_without_a_reset_outside_a_transaction(therapist):
    # A view runs in autocommit: the setting goes with today's list and ends with its round
    # trip, so no `RESET` follows it.
    assert connection.get_autocommit()
    client = Client()
    client.force_login(therapist)
    assert client.get(reverse("clinic:dashboard")).status_code == 200
    generic, custom = _plans("bookings.panels.dashboard_today")
    for _ in range(6):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("clinic:dashboard")).status_code == 200
        sent = [query["sql"] for query in captured.captured_queries]
        assert not [sql for sql in sent if "RESET" in sql]
        assert [sql for sql in sent if sql.startswith(KEEP_PLAN_ALONE)]

    assert _plans("bookings.panels.dashboard_today") == (generic + 6, custom)
    assert _mode() == "auto"


def _failing_at(*, user_id: int, zero_at: int):
    """The user, with a column that divides by zero when `zero_at` is the user's id."""
    return User.objects.filter(pk=user_id).annotate(
        ratio=ExpressionWrapper(Value(1) / (F("pk") - Value(zero_at)), IntegerField())
    )


def _kept(user_id: int, zero_at: int) -> list:
    return prepared_list(
        "test_keep_plan_failing",
        User,
        _failing_at,
        keep_plan=True,
        user_id=user_id,
        zero_at=zero_at,
    )


@pytest.mark.django_db
def test_a_kept_plan_gives_the_rows_and_resets_the_mode_inside_a_transaction(therapist):
    assert [user.pk for user in _kept(therapist.pk, 0)] == [therapist.pk]
    assert _mode() == "auto"
    generic, custom = _plans("test_keep_plan_failing")
    for _ in range(6):
        assert [user.pk for user in _kept(therapist.pk, 0)] == [therapist.pk]
    assert _plans("test_keep_plan_failing") == (generic + 6, custom)
    assert _mode() == "auto"


@pytest.mark.django_db
def test_a_failing_kept_plan_leaves_the_mode_as_it_was_in_a_transaction(therapist):
    _kept(therapist.pk, 0)  # prepared on this connection
    with pytest.raises(DataError), transaction.atomic():
        _kept(therapist.pk, therapist.pk)
    assert _mode() == "auto"


@pytest.mark.django_db(transaction=True)
def test_a_failing_kept_plan_leaves_the_mode_as_it_was_without_a_transaction(therapist):
    assert connection.get_autocommit()
    _kept(therapist.pk, 0)
    with pytest.raises(DataError):
        _kept(therapist.pk, therapist.pk)
    assert _mode() == "auto"
    # The connection goes on: the next run is planned and answered as before.
    assert [user.pk for user in _kept(therapist.pk, 0)] == [therapist.pk]
    assert _mode() == "auto"
