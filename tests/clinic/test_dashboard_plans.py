"""The dashboard runs today's appointments with the plan the server keeps for the prepared
statement (clinic.views._generic_plans), and leaves the connection's planning as it found it
for the statements after it, on this page and the next."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql"
        or not connection.settings_dict.get("PREPARED_STATEMENTS"),
        reason="plans are kept only for PostgreSQL's prepared statements",
    ),
]


def _plans_of_todays_appointments() -> tuple[int, int]:
    """Generic and custom plans made so far for the dashboard's today's appointments on this
    connection (none before it is first prepared here)."""
    from clinic.rows import _prepared

    kept = _prepared.get(("bookings.panels.dashboard_today", connection.alias))
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


def test_it_keeps_the_plan_of_todays_appointments_and_then_plans_as_before(therapist):
    client = Client()
    client.force_login(therapist)
    generic, custom = _plans_of_todays_appointments()
    for _ in range(7):  # `auto` would have planned each of these views' statement anew
        assert client.get(reverse("clinic:dashboard")).status_code == 200

    assert _plans_of_todays_appointments() == (generic + 7, custom)
    assert _mode() == "auto"


def test_it_plans_as_before_when_a_panel_fails(therapist, monkeypatch):
    from clinic import panels

    def failing(hook, **kwargs):
        raise RuntimeError("a panel failed")

    monkeypatch.setattr(panels, "collect", failing)
    client = Client(raise_request_exception=False)
    client.force_login(therapist)
    assert client.get(reverse("clinic:dashboard")).status_code == 500
    assert _mode() == "auto"
