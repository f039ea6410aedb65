"""Reading one row by primary key with SQL the ORM compiled once per process.

Every signed-in request reads the user and, for staff, their two-factor device: two
`Model.objects.get(pk=...)`. Building and compiling those querysets is most of their cost (about
a million instructions each, against a few hundred thousand for the round trip), and it is the
same SQL every time. `row_by_pk` asks the ORM for that SQL once per model and database, then
runs it with each primary key and builds the instance exactly as a queryset would (the ORM's
own column list, value converters and `Model.from_db`), so fields added later are read too.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connections, models, router


@dataclass(frozen=True)
class _Compiled:
    sql: str
    attnames: list[str]
    converters: dict
    compiler: object


_compiled: dict[tuple[type[models.Model], str], _Compiled] = {}


def _compile(model: type[models.Model], alias: str, pk) -> _Compiled:
    queryset = model._base_manager.using(alias).filter(pk=pk)
    compiler = queryset.query.get_compiler(using=alias)
    sql, params = compiler.as_sql()
    if len(params) != 1:  # pragma: no cover - a base manager that adds its own filters
        raise ValueError(f"{model.__name__}: the primary-key query has other parameters")
    select = compiler.select[: compiler.col_count]
    return _Compiled(
        sql=sql,
        attnames=[column[0].target.attname for column in select],
        converters=compiler.get_converters([column[0] for column in select]),
        compiler=compiler,
    )


def row_by_pk(model: type[models.Model], pk) -> models.Model | None:
    """The instance of `model` with primary key `pk` (as `model._base_manager.get(pk=pk)`
    would build it, read from the database the router names for reading), or None when there
    is no such row or `pk` is not a valid key. One query, counted like any other."""
    alias = router.db_for_read(model)
    connection = connections[alias]
    try:
        key = model._meta.pk.to_python(pk)
        value = model._meta.pk.get_db_prep_value(key, connection)
    except (TypeError, ValueError, ValidationError):
        return None
    compiled = _compiled.get((model, alias))
    if compiled is None:
        compiled = _compiled[(model, alias)] = _compile(model, alias, key)
    with connection.cursor() as cursor:
        cursor.execute(compiled.sql, [value])
        row = cursor.fetchone()
    if row is None:
        return None
    if compiled.converters:
        row = next(compiled.compiler.apply_converters([row], compiled.converters))
    return model.from_db(alias, compiled.attnames, tuple(row))
