"""Database rules for bookings that only PostgreSQL can state.

`make run` uses SQLite, which has no exclusion constraints. The constraint below emits no SQL
on any other database, so one model and one migration serve both; on SQLite the same rule is
kept by `bookings.services` alone (SQLite also serialises writers, so there is no race there).
"""

from __future__ import annotations

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField, IntegerRangeField
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Func, IntegerField


class TsTzRange(Func):
    """`tstzrange(start, end, '[)')`: half-open, so 10:00-10:30 and 10:30-11:00 never overlap."""

    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class DayMinutes(Func):
    """Minutes since midnight of a `time` column (09:30 is 570)."""

    template = "(EXTRACT(EPOCH FROM %(expressions)s)::integer / 60)"
    output_field = IntegerField()


class MinuteRange(Func):
    """`int4range(start minute, end minute, '[)')` of two `time` columns: 09:00-12:00 and
    12:00-17:00 touch and do not overlap."""

    function = "INT4RANGE"
    output_field = IntegerRangeField()

    def __init__(self, start, end, **extra):
        super().__init__(DayMinutes(start), DayMinutes(end), **extra)


def _is_postgresql(connection) -> bool:
    return connection.vendor == "postgresql"


class PostgresExclusionConstraint(ExclusionConstraint):
    """An ExclusionConstraint that is a no-op on databases other than PostgreSQL."""

    def constraint_sql(self, model, schema_editor):
        if not _is_postgresql(schema_editor.connection):
            return None
        return super().constraint_sql(model, schema_editor)

    def create_sql(self, model, schema_editor):
        if not _is_postgresql(schema_editor.connection):
            return None
        return super().create_sql(model, schema_editor)

    def remove_sql(self, model, schema_editor):
        if not _is_postgresql(schema_editor.connection):
            return None
        return super().remove_sql(model, schema_editor)

    def validate(self, model, instance, exclude=None, using=DEFAULT_DB_ALIAS):
        if not _is_postgresql(connections[using]):
            return
        super().validate(model, instance, exclude=exclude, using=using)
