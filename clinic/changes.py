"""Change counters kept by the database (migration clinic 0005), for results derived from
several tables and kept in the cache.

`watch(*models)` in a migration attaches the counter to the models' tables; `tables_version`
reads the counters in one query. Every write path bumps them, raw SQL included, so a cache keyed
by the version cannot be bypassed by a new write path. Elsewhere than PostgreSQL there are no
counters: `tables_version` returns None and callers compute afresh.
"""

from __future__ import annotations

from django.db import connection


def watch_sql(table: str) -> str:
    """The trigger that bumps `table`'s counter on every statement that writes to it."""
    return (
        f'CREATE TRIGGER "{table}_changed" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE '
        f'ON "{table}" FOR EACH STATEMENT EXECUTE FUNCTION clinic_table_changed();'
    )


def unwatch_sql(table: str) -> str:
    return f'DROP TRIGGER IF EXISTS "{table}_changed" ON "{table}";'


def table_versions(models) -> dict[str, int] | None:
    """Each of the models' tables' counter (one query), or None where the database keeps none."""
    if connection.vendor != "postgresql":
        return None
    tables = sorted(model._meta.db_table for model in models)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name, version FROM clinic_table_change WHERE table_name = ANY(%s)",
            [tables],
        )
        found = dict(cursor.fetchall())
    return {table: found.get(table, 0) for table in tables}


def tables_version(models) -> str | None:
    """A text that changes whenever any row of the models' tables changes (one query), or None
    where the database keeps no counters."""
    versions = table_versions(models)
    if versions is None:
        return None
    return ".".join(str(version) for version in versions.values())
