"""Database rules for bookings that only PostgreSQL can state.

`make run` uses SQLite, which has no exclusion constraints. The constraint below emits no SQL
on any other database, so one model and one migration serve both; on SQLite the same rule is
kept by `bookings.services` alone (SQLite also serialises writers, so there is no race there).
"""

from __future__ import annotations

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Func


class TsTzRange(Func):
    """`tstzrange(start, end, '[)')`: half-open, so 10:00-10:30 and 10:30-11:00 never overlap."""

    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


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
