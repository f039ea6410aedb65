"""Change counters kept by the database (migration clinic 0005), for results derived from
several tables and kept in the cache.

`watch(*models)` in a migration attaches the counter to the models' tables; `tables_version`
reads the counters in one query. Every write path bumps them, raw SQL included, so a cache keyed
by the version cannot be bypassed by a new write path. Elsewhere than PostgreSQL there are no
counters: `tables_version` returns None and callers compute afresh.
"""

from __future__ import annotations

import functools
import json

from django.db import connection
from django.db.models import TextField
from django.db.models.expressions import RawSQL

from clinic.rows import run_written, written_statement


def watch_sql(table: str) -> str:
    """The trigger that bumps `table`'s counter on every statement that writes to it."""
    return (
        f'CREATE TRIGGER "{table}_changed" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE '
        f'ON "{table}" FOR EACH STATEMENT EXECUTE FUNCTION clinic_table_changed();'
    )


def unwatch_sql(table: str) -> str:
    return f'DROP TRIGGER IF EXISTS "{table}_changed" ON "{table}";'


def _tables(models) -> tuple[str, ...]:
    """The models' tables' names, sorted: the order the counters are read and answered in."""
    return tuple(sorted(model._meta.db_table for model in models))


def _names_in(tables: tuple[str, ...]) -> str:
    """`table_name IN (...)` for `tables`, our own models' tables' names written into the SQL
    (no value from outside): the same SQL for the same tables."""
    names = ", ".join(f"'{table}'" for table in tables)
    return f"table_name IN ({names})"


def table_versions(models) -> dict[str, int] | None:
    """Each of the models' tables' counter (one query), or None where the database keeps none.
    The statement for each set of tables is prepared once per connection (`clinic/rows.py`):
    the dashboard reads its alerts' counters on every view."""
    if connection.vendor != "postgresql":
        return None
    tables = _tables(models)
    found = dict(run_written(connection.alias, _counters(tables), []))
    return {table: found.get(table, 0) for table in tables}


@functools.lru_cache(maxsize=64)
def _counters(tables: tuple[str, ...]):
    """The counters' read for `tables`: the same SQL for the same tables, so that the server
    parses and plans it once."""
    return written_statement(
        f"SELECT table_name, version FROM clinic_table_change WHERE {_names_in(tables)}",  # noqa: S608  # nosec B608
        (),
    )


def versions_column(models) -> RawSQL | None:
    """`table_versions` as a column of another statement, for a page that reads the counters
    on every view and can ask them in a round trip it makes anyway: the tables that have a
    counter as a JSON object's text, which `versions_from` turns into `table_versions`'
    answer. None where the database keeps no counters."""
    if connection.vendor != "postgresql":
        return None
    select = "SELECT json_object_agg(table_name, version)::text FROM clinic_table_change"
    sql = f"{select} WHERE {_names_in(_tables(models))}"  # nosec B608
    return RawSQL(sql, (), output_field=TextField())  # noqa: S611  # nosec B611


def versions_from(models, column: str | None) -> dict[str, int]:
    """`table_versions(models)` from a `versions_column(models)` value (None: no table has a
    counter row yet, each is 0)."""
    found = json.loads(column) if column else {}
    return {table: found.get(table, 0) for table in _tables(models)}


def tables_version(models) -> str | None:
    """A text that changes whenever any row of the models' tables changes (one query), or None
    where the database keeps no counters."""
    versions = table_versions(models)
    if versions is None:
        return None
    return ".".join(str(version) for version in versions.values())
