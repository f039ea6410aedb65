"""Fast bulk writes for generated data (`seed_load`): COPY on PostgreSQL, executemany elsewhere.

Rows are plain tuples in the order of the columns named when the writer is made. Primary keys
are assigned by the caller (`TableWriter.reserve_ids`) so that child rows can point at parents
without reading them back; `sequences_reset` puts the database sequences right afterwards.
No model `save()`, signal or history record runs: the caller keeps every invariant itself.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import uuid
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.core.management.color import no_style
from django.db import connection, models
from django.db.models.fields import NOT_PROVIDED

FLUSH_ROWS = 20_000


def _copy_text(value) -> str:
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, int | float | Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list | dict):
        value = json.dumps(value)
    return (
        value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    )


class TableWriter:
    """Buffered inserts into one model's table."""

    def __init__(self, model: type[models.Model], columns: Sequence[str]):
        self.model = model
        self.fields = [model._meta.get_field(name) for name in columns]
        self.table = model._meta.db_table
        self.columns = [field.column for field in self.fields]
        self.rows: list[tuple] = []
        self.written = 0
        self._check_required()

    def _check_required(self) -> None:
        """Fail loudly when the model gained a NOT NULL column the generator does not fill."""
        named = {field.name for field in self.fields}
        missing = [
            field.name
            for field in self.model._meta.concrete_fields
            if not field.null
            and field.name not in named
            and field.db_default is NOT_PROVIDED
            and not (field.primary_key and field.name != "id")
            and field.name != "id"
        ]
        if missing:
            raise ValueError(f"{self.model.__name__}: no value generated for {missing}")

    def reserve_ids(self, count: int) -> range:
        """`count` fresh primary keys above any already in the table."""
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {self.table}")  # noqa: S608  # nosec B608 (table name from the model)
            start = cursor.fetchone()[0] + 1 + self.written + len(self.rows)
        return range(start, start + count)

    def add(self, row: tuple) -> None:
        self.rows.append(row)
        if len(self.rows) >= FLUSH_ROWS:
            self.flush()

    def extend(self, rows: Iterable[tuple]) -> None:
        for row in rows:
            self.add(row)

    def flush(self) -> None:
        if not self.rows:
            return
        if connection.vendor == "postgresql":
            self._copy()
        else:
            self._insert()
        self.written += len(self.rows)
        self.rows = []

    def _copy(self) -> None:
        buffer = io.StringIO()
        for row in self.rows:
            buffer.write("\t".join(_copy_text(value) for value in row))
            buffer.write("\n")
        buffer.seek(0)
        columns = ", ".join(connection.ops.quote_name(column) for column in self.columns)
        with connection.cursor() as cursor:
            cursor.cursor.copy_expert(f"COPY {self.table} ({columns}) FROM STDIN", buffer)

    def _insert(self) -> None:
        columns = ", ".join(connection.ops.quote_name(column) for column in self.columns)
        marks = ", ".join(["%s"] * len(self.columns))
        prepared = [
            tuple(
                field.get_db_prep_save(value, connection)
                for field, value in zip(self.fields, row, strict=True)
            )
            for row in self.rows
        ]
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {self.table} ({columns}) VALUES ({marks})",  # noqa: S608  # nosec B608 (names from the model)
                prepared,
            )


def sequences_reset(model_list: Iterable[type[models.Model]]) -> None:
    """Move each table's id sequence past the ids the writers assigned."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(model_list))
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def tables_analyze(model_list: Iterable[type[models.Model]]) -> None:
    """Refresh the planner's statistics after a bulk load (PostgreSQL only).

    Rows copied into a table with a GIN index wait in the index's pending list, which the
    planner must assume it will scan in full; a manual ANALYZE does not merge it, so do it here.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in model_list:
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(
                "SELECT gin_clean_pending_list(i.indexrelid) FROM pg_index i"
                " JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam"
                " WHERE a.amname = 'gin' AND i.indrelid = %s::regclass",
                [table],
            )
            cursor.execute(f"ANALYZE {table}")
