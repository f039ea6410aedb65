"""The dashboard's alerts are cached under the change counters of the tables they are computed
from (exercises.selectors.ALERT_MODELS, triggers in migration exercises 0008). A table the
alerts read without a counter would leave the cache stale when it changes, so this test reads
the tables from the SQL that computing the alerts actually runs, not from a hand list."""

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinic.rows import logged_sql
from exercises.inbox import alert_acknowledge
from exercises.selectors import ALERT_MODELS, open_alerts
from patients.models import Patient
from tests.exercises.factories import log, published_plan

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)
TABLE = re.compile(r'(?:FROM|JOIN)\s+"(\w+)"')


def watched_tables() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT tgrelid::regclass::text FROM pg_trigger "
            "WHERE tgname LIKE '%%\\_changed' AND NOT tgisinternal"
        )
        return {row[0].strip('"') for row in cursor.fetchall()}


def test_it_watches_every_table_the_dashboard_alerts_read(therapist):
    if connection.vendor != "postgresql":
        pytest.skip("the change counters are PostgreSQL triggers")
    with time_machine.travel(NOW, tick=False):
        today = NOW.date()
        plan = published_plan(therapist=therapist, start_date=today - dt.timedelta(days=20))
        for days in (12, 9, 7, 5, 3, 1):
            log(plan, today - dt.timedelta(days=days), pain=5, worse_next_morning=True)
        log(plan, today, pain=3, after=9, lasting_pins_needles=True)
        first = open_alerts(user=therapist)[0].alert
        alert_acknowledge(
            plan=plan, kind=first.kind, period=first.period, user=therapist, note="Rang her."
        )
        with CaptureQueriesContext(connection) as queries:
            assert open_alerts(user=therapist)
    read = {table for query in queries for table in TABLE.findall(logged_sql(query["sql"]))}
    listed = {model._meta.db_table for model in (*ALERT_MODELS, Patient)}
    assert read - listed == set(), "add these to ALERT_MODELS and watch them in a migration"
    assert listed - watched_tables() == set(), "these have no change counter trigger"
