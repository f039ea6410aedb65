"""The dispatcher's due query stays cheap with 100,000 active schedules (PostgreSQL): it reads
its batch by the partial index, a fraction of the pages a read of the whole table takes, both
counted by the server in the same run (buffers, not wall time, which a loaded machine moves)."""

import pytest
from django.db import connection, transaction

from notifications.dispatch import DISPATCH_BATCH, schedules_due
from tests.notifications.conftest import utc
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

NOW = utc(2026, 6, 1, 12)
SCHEDULES = 100_000


def test_the_due_query_uses_its_index_and_reads_a_fraction_of_the_table():
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
    sql, params = query.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        rows = list(schedules_due(now=NOW))
        due_blocks = _blocks(cursor, sql, params)
        table_blocks = _blocks(cursor, "SELECT * FROM notifications_reminderschedule", ())
    assert "notifications_schedule_due" in plan, plan
    assert "Seq Scan on notifications_reminderschedule" not in plan, plan
    assert len(rows) == due
    # About 500 of 1,900 pages on PostgreSQL 15 (the batch, its index and its patient); a scan
    # of the schedules would read every page.
    assert due_blocks * 3 < table_blocks, (due_blocks, table_blocks)


def _blocks(cursor, sql: str, params) -> int:
    """The pages the server read (from its buffers or from disk) to run `sql`."""
    cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}", params)
    (plan,) = cursor.fetchone()[0]
    return plan["Plan"]["Shared Hit Blocks"] + plan["Plan"]["Shared Read Blocks"]
