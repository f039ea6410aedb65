"""The calendars' appointments' statement reads each appointment's patient for the name and
public id only, and patients' covering index on id (`patients_id_names_covering`) holds all
three, so that the server can answer the join from the index and skip the patient's wide row
(docs/performance.md, stop 44). If the statement came to read another patient column, or the
index lost one, the server would go back to the row: this test says so first."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from bookings import selectors
from tests.bookings.factories import AppointmentFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="EXPLAIN plans are PostgreSQL's"),
]


def test_it_reads_the_patients_from_the_covering_index(therapist):
    visit = AppointmentFactory(
        therapist=therapist, start=dt.datetime(2026, 12, 8, 10, 0, tzinfo=dt.UTC)
    )
    start = dt.datetime(2026, 12, 7, tzinfo=dt.UTC)
    end = start + dt.timedelta(days=7)
    query = selectors._calendar_query(
        start=start,
        end=end,
        earliest=start - selectors.MAX_APPOINTMENT_LENGTH,
        t0=visit.therapist_id,
    )
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        # A handful of rows: the planner would scan the table. With every other way to the
        # patients priced out, an index-only scan is left only if the index covers the read.
        for setting in ("enable_seqscan", "enable_indexscan", "enable_bitmapscan"):
            cursor.execute(f"SET LOCAL {setting} = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Only Scan using patients_id_names_covering" in plan, plan
