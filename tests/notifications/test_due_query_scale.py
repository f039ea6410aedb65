"""The dispatcher's due query stays fast with 100,000 active schedules (PostgreSQL)."""

import time

import pytest
from django.db import connection, transaction

from notifications.dispatch import DISPATCH_BATCH, schedules_due
from tests.notifications.conftest import utc
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

NOW = utc(2026, 6, 1, 12)
SCHEDULES = 100_000


def test_the_due_query_uses_its_index_and_answers_in_under_200_ms():
    if connection.vendor != "postgresql":
        pytest.skip("measured on PostgreSQL, the production database")
    patient = PatientFactory()
    due = DISPATCH_BATCH
    with connection.cursor() as cursor:
        # One statement instead of 100,000 objects: the first batch is due, the rest are
        # spread over the next day.
        cursor.execute(
            """
            INSERT INTO notifications_reminderschedule
                (public_id, created_at, updated_at, patient_id, source, subject_id, times,
                 weekdays, channel, time_zone, next_due_at)
            SELECT gen_random_uuid(), %(now)s, %(now)s, %(patient)s, 'exercise_plan', n,
                   '["18:00"]', 127, 'email', 'Europe/London',
                   CASE WHEN n < %(due)s THEN %(now)s - n * interval '1 second'
                        ELSE %(now)s + (n %% 86400 + 1) * interval '1 second' END
            FROM generate_series(0, %(count)s - 1) AS n
            """,
            {"now": NOW, "patient": patient.pk, "due": due, "count": SCHEDULES},
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE notifications_reminderschedule")

    query = schedules_due(now=NOW)
    with transaction.atomic():
        sql, params = query.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        timings = []
        for _ in range(3):
            started = time.perf_counter()
            rows = list(schedules_due(now=NOW))
            timings.append(time.perf_counter() - started)
    assert "notifications_schedule_due" in plan, plan
    assert "Seq Scan on notifications_reminderschedule" not in plan, plan
    assert len(rows) == due
    assert min(timings) < 0.2, timings
