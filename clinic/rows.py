"""Reading one row by primary key with SQL the ORM compiled once per process.

Every signed-in request reads the user and, for staff, their two-factor device: two
`Model.objects.get(pk=...)`. Building and compiling those querysets is most of their cost (about
a million instructions each, against a few hundred thousand for the round trip), and it is the
same SQL every time. `row_by_pk` asks the ORM for that SQL once per model and database, then
runs it with each primary key and builds the instance exactly as a queryset would (the ORM's
own column list, value converters and `Model.from_db`), so fields added later are read too.

On PostgreSQL the server, too, sees the same SQL every time: each connection prepares it once
(`PREPARE`, sent in the same round trip as the first `EXECUTE`) and then sends only `EXECUTE`
with the values, so the server no longer parses and plans it per request (planning was most of
the server's work for a page: 2.7 ms of a portal home's 3.4 in EXPLAIN ANALYZE). Off with
PgBouncer in transaction mode, where a session's statements do not follow it between
transactions (`config/databases.py`, `PREPARED_STATEMENTS`).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass, field
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import connection, connections, models, router
from django.db.models.lookups import Contains, PatternLookup
from django.db.models.query import ModelIterable, ValuesIterable, get_related_populators

# --- Statements: run as they are, or prepared once per connection (PostgreSQL) -----------------

_PARAMETER = re.compile(r"%%|%s")
_statement_numbers = itertools.count(1)
# A caller's value's PostgreSQL type, by its kind (anything else is left to the server to infer
# from where it stands, as it does for a quoted literal).
_TYPES = {int: "bigint", UUID: "uuid", dt.date: "date", dt.datetime: "timestamptz"}


class LikePattern(str):
    """A `LIKE` pattern the caller built (`contains_pattern`), for `prepared_list`: the one kind
    of text it takes, so that a text value can only reach the SQL as a pattern made on purpose,
    never as a number or date written as text (the ORM would turn that into another value)."""


def contains_pattern(text: str) -> LikePattern:
    """The pattern `field__contains=text` sends: `text` anywhere, its `%`, `_` and `\\` taken
    literally (escaped as the database's own `contains` escapes them)."""
    return LikePattern(f"%{connection.ops.prep_for_like_query(text)}%")


_TYPES[LikePattern] = "text"


class Like(Contains):
    """`contains` with the caller's `LikePattern` as it is: the same SQL as `contains` (so an
    index built for `contains` serves it), without turning the value into a pattern again.
    Used as an expression, `Like(lhs, pattern)`; not registered as a lookup name, since the
    name picks the column's cast (`::text`) that the index was built with."""

    def process_rhs(self, compiler, connection):
        return super(PatternLookup, self).process_rhs(compiler, connection)


@dataclass(frozen=True)
class _Statement:
    """The ORM's SQL and parameters for one query, with the caller's values in `slots`
    (per argument, the parameters it fills: one value may fill several)."""

    sql: str
    params: tuple
    slots: tuple[tuple[int, ...], ...]
    types: tuple[str, ...]
    # Prepared as `SELECT * FROM (<sql>) q` (`prepared_row`): a plain `EXECUTE` has the server
    # copy the statement's select list on every run, whole subqueries and all.
    outer: bool = False
    # Run with the plan the server keeps for it (`prepared_list`'s `keep_plan`).
    keep_plan: bool = False
    name: str = field(default_factory=lambda: f"clinic_rows_{next(_statement_numbers)}")

    @property
    def server_side(self) -> bool:
        """Whether to prepare it on the server. Not with a `LIKE` pattern among its values: a
        plan kept for every pattern cannot know whether the pattern has trigrams for an index
        to use (`%A%` has none, `%PATEL%` several), so such a statement is compiled once here
        and planned by the server with its pattern each time."""
        return "text" not in self.types

    def filled(self, arguments) -> list:
        params = list(self.params)
        for places, value in zip(self.slots, arguments, strict=True):
            for slot in places:
                params[slot] = value
        return params

    def prepare_sql(self, cursor) -> str:
        """`PREPARE` with the ORM's own parameters written in as psycopg2 writes them (so the
        planner sees them as it did) and the caller's as `$1`, `$2`..., then the `EXECUTE`."""
        argument_of = {slot: number for number, places in enumerate(self.slots) for slot in places}
        positions = itertools.count()
        constants = []

        def numbered(match: re.Match) -> str:
            if match.group() == "%%":
                return "%%"
            position = next(positions)
            if position in argument_of:
                return f"${argument_of[position] + 1}"
            constants.append(self.params[position])
            return "%s"

        body = cursor.mogrify(_PARAMETER.sub(numbered, self.sql), constants).decode()
        if self.outer:
            body = f"SELECT * FROM ({body}) q"  # noqa: S608  # nosec B608 (the ORM's own SQL)
        types = f" ({', '.join(self.types)})" if self.types else ""
        return f"PREPARE {self.name}{types} AS {body.replace('%', '%%')}; {self.execute_sql}"

    @property
    def execute_sql(self) -> str:
        arguments = ", ".join(["%s"] * len(self.slots))
        return f"EXECUTE {self.name}({arguments})" if arguments else f"EXECUTE {self.name}"


def _connection_prepared(connection) -> dict[str, bool] | None:
    """The statements prepared on this connection (name -> True; False: not to be prepared
    here), or None where statements are not prepared. Kept with the driver's connection
    object, so a new connection starts empty."""
    if connection.vendor != "postgresql" or not connection.settings_dict.get("PREPARED_STATEMENTS"):
        return None
    kept = getattr(connection, "_clinic_prepared", None)
    if kept is None or kept[0] is not connection.connection:
        kept = connection._clinic_prepared = (connection.connection, {})
    return kept[1]


#: Sent before a `keep_plan` statement's `EXECUTE`, in the same round trip, inside a
#: transaction (reset by a statement of its own after it).
KEEP_PLAN = "SET plan_cache_mode = force_generic_plan; "
#: The same outside a transaction (autocommit, as a view runs): statements sent in one round
#: trip run as one transaction of their own, which a `SET LOCAL` ends with, so the setting is
#: gone when the rows come back (failed or not) and no reset is sent.
KEEP_PLAN_ALONE = "SET LOCAL plan_cache_mode = force_generic_plan; "


def _fetch(alias: str, statement: _Statement, arguments: list) -> list[tuple]:
    """The rows of `statement` with the caller's `arguments`: one round trip, one query as
    Django counts them (two for a `keep_plan` statement where it is prepared inside a
    transaction)."""
    connection = connections[alias]
    with connection.cursor() as cursor:
        prepared = _connection_prepared(connection) if statement.server_side else None
        state = None if prepared is None else prepared.get(statement.name)
        keep_plan = statement.keep_plan and state is not False and prepared is not None
        # Outside a transaction the setting ends with the round trip (`KEEP_PLAN_ALONE`);
        # inside one it is reset after the rows are read.
        reset = keep_plan and not connection.get_autocommit()
        setting = (KEEP_PLAN if reset else KEEP_PLAN_ALONE) if keep_plan else ""
        if state:
            cursor.execute(setting + statement.execute_sql, arguments)
        elif state is None and prepared is not None:
            try:
                cursor.execute(setting + statement.prepare_sql(cursor), arguments)
            except Exception:
                # Whether the PREPARE stood is unknown (it outlives a failed transaction):
                # this connection runs the plain SQL from now on. A `SET` sent with it went
                # with the failed transaction (the round trip's own, or the caller's).
                prepared[statement.name] = False
                raise
            prepared[statement.name] = True
        else:
            cursor.execute(statement.sql, statement.filled(arguments))
        rows = cursor.fetchall() if cursor.description is not None else []
        if reset:
            cursor.execute("RESET plan_cache_mode")
        return rows


_by_name: dict[str, _Statement] = {}


def written_statement(sql: str, types: tuple[str, ...]) -> _Statement:
    """A statement written by hand, for `run_written`: `sql` with one `%s` per value, in
    order, and each value's PostgreSQL type ("unknown": the server infers it from where the
    value stands, as for a quoted literal). Prepared once per connection as `prepared_list`'s
    statements are (a write such as the audit trail's row gives no rows back); made once per
    process."""
    return _statement_of(sql, (None,) * len(types), [[slot] for slot in range(len(types))], types)


def run_written(alias: str, statement: _Statement, arguments: list) -> list[tuple]:
    """Run a `written_statement` with its values: one round trip, one query as Django counts
    them; its rows, if it gives any."""
    return _fetch(alias, statement, arguments)


def _statement_of(
    sql: str, params, slots, types, *, outer: bool = False, keep_plan: bool = False
) -> _Statement:
    statement = _Statement(
        sql=sql,
        params=tuple(params),
        slots=tuple(tuple(places) for places in slots),
        types=tuple(types),
        outer=outer,
        keep_plan=keep_plan,
    )
    _by_name[statement.name] = statement
    return statement


def _statement(
    sql: str, params, slots, values, *, outer: bool = False, keep_plan: bool = False
) -> _Statement:
    types = [_TYPES.get(_kind(value), "unknown") for value in values]
    return _statement_of(sql, params, slots, types, outer=outer, keep_plan=keep_plan)


def logged_sql(sql: str) -> str:
    """For reading query logs (`connection.queries`, `CaptureQueriesContext`): the ORM's SQL
    that a logged `PREPARE clinic_rows_N ...` or `EXECUTE clinic_rows_N(...)` runs (tables and
    columns as the ORM wrote them, parameters as %s); any other SQL as it is."""
    sql = sql.removeprefix(KEEP_PLAN).removeprefix(KEEP_PLAN_ALONE)
    if sql.startswith(("PREPARE clinic_rows_", "EXECUTE clinic_rows_")):
        name = sql.split(maxsplit=2)[1].split("(", 1)[0].rstrip(";")
        if name in _by_name:
            return _by_name[name].sql
    return sql


@dataclass(frozen=True)
class RowShape:
    """What turns the rows of a queryset's compiled SQL (as the driver hands them over) back
    into what the queryset itself gives: instances built as its iterable builds them
    (`from_db`, converters, related rows, annotations), or dicts for `.values()`. Made once
    per compiled query (`row_shape`) and used for every run of it (`prepared_list` here, the
    patient page's JSON columns in patients/page_rows.py)."""

    model: type[models.Model]
    attnames: list[str]
    model_columns: slice
    annotations: dict[str, int]
    converters: dict
    compiler: object
    values_names: list[str] | None  # a .values() query: the keys of each row's dict

    def build(self, rows, alias: str) -> list:
        """The instances (or dicts) for `rows`, read from the database `alias`."""
        if self.converters:
            rows = self.compiler.apply_converters(rows, self.converters)
        if self.values_names is not None:
            return [dict(zip(self.values_names, row, strict=True)) for row in rows]
        compiler = self.compiler
        related = get_related_populators(compiler.klass_info, compiler.select, alias)
        found = []
        for row in rows:
            instance = self.model.from_db(alias, self.attnames, row[self.model_columns])
            for populator in related:
                populator.populate(row, instance)
            for attribute, position in self.annotations.items():
                setattr(instance, attribute, row[position])
            found.append(instance)
        return found


def values_names(query) -> list[str]:
    """The keys of a `.values()` query's dicts, in the order its columns are selected: as
    Django's own `ValuesIterable` names them (`Query.selected` keeps the order `.values()`
    listed fields and annotations in; without it, extra selects, fields, then annotations)."""
    if query.selected:
        return list(query.selected)
    return [*query.extra_select, *query.values_select, *query.annotation_select]


def row_shape(queryset, compiler) -> RowShape:
    """The `RowShape` of `queryset` as `compiler` (its compiler, `as_sql()` already called)
    selects it."""
    select = compiler.select[: compiler.col_count]
    query = queryset.query
    values = queryset._iterable_class is ValuesIterable
    if values:
        first = last = 0
    else:
        klass_info = compiler.klass_info
        first, last = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
    return RowShape(
        model=queryset.model,
        attnames=[column[0].target.attname for column in select[first:last]],
        model_columns=slice(first, last),
        annotations=dict(compiler.annotation_col_map or {}),
        converters=compiler.get_converters([column[0] for column in select]),
        compiler=compiler,
        values_names=values_names(query) if values else None,
    )


@dataclass(frozen=True)
class _Compiled:
    statement: _Statement
    shape: RowShape


_compiled: dict[tuple[type[models.Model], str], _Compiled] = {}


def _compile(model: type[models.Model], alias: str, pk) -> _Compiled:
    queryset = model._base_manager.using(alias).filter(pk=pk)
    compiler = queryset.query.get_compiler(using=alias)
    sql, params = compiler.as_sql()
    if len(params) != 1:  # pragma: no cover - a base manager that adds its own filters
        raise ValueError(f"{model.__name__}: the primary-key query has other parameters")
    return _Compiled(
        statement=_statement(sql, params, [[0]], params), shape=row_shape(queryset, compiler)
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
    rows = _fetch(alias, compiled.statement, [value])
    return compiled.shape.build(rows[:1], alias)[0] if rows else None


@dataclass(frozen=True)
class _Prepared:
    statement: _Statement  # with one argument per name in `names`
    names: tuple[str, ...]  # the values that reach the SQL (once or more each)
    shape: RowShape
    kinds: dict[str, type]  # each value's kind: int, UUID, date or aware datetime


_prepared: dict[tuple[str, str], _Prepared] = {}
# Which code each name was first used with: two queries under one name would otherwise share
# the first one's SQL, silently.
_builders: dict[str, tuple] = {}


def _identity(build) -> tuple:
    """The code of `build` and of any function it closes over (a wrapper such as
    `clinic.panels.rows_for_user` closes over the real builder), not the values it closes over
    (the user, which differs per call)."""
    cells = build.__closure__ or ()
    inner = (getattr(cell.cell_contents, "__code__", None) for cell in cells)
    return (build.__code__, *(code for code in inner if code is not None))


# Stand-ins for the values while the SQL is compiled: two sets, so that anything else that
# differs between two builds (a date or time read inside `build`) is caught.
_STAND_INS = (2_000_000_011, 2_000_000_101)
# The same for dates and aware datetimes: days no patient record holds, far apart.
_DATE_STAND_INS = (dt.date(1901, 1, 1), dt.date(1903, 1, 1))
_DATETIME_STAND_INS = (
    dt.datetime(1901, 1, 1, tzinfo=dt.UTC),
    dt.datetime(1903, 1, 1, tzinfo=dt.UTC),
)
_PATTERN_STAND_IN = "%%clinic rows stand-in %d-%d%%"


def _kind(value) -> type | None:
    """The kind of value `prepared_list` takes: int, UUID, date, an aware datetime or a
    `LikePattern`; else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        return LikePattern if isinstance(value, LikePattern) else None
    if isinstance(value, dt.datetime):
        return dt.datetime if value.tzinfo is not None else None
    if isinstance(value, dt.date):
        return dt.date
    if isinstance(value, UUID):
        return UUID
    return int if isinstance(value, int) else None


def _stand_in(kind: type, build_number: int, index: int):
    if kind is dt.datetime:
        return _DATETIME_STAND_INS[build_number] + dt.timedelta(seconds=index)
    if kind is dt.date:
        return _DATE_STAND_INS[build_number] + dt.timedelta(days=index)
    if kind is LikePattern:
        return LikePattern(_PATTERN_STAND_IN % (build_number, index))
    number = _STAND_INS[build_number] + index
    return UUID(int=number) if kind is UUID else number


def _compiled_once(
    name: str, build, kinds: dict[str, type], alias: str, outer: bool, keep_plan: bool = False
):
    names = sorted(kinds)
    built = []
    for build_number in range(len(_STAND_INS)):
        stand_ins = {
            key: _stand_in(kinds[key], build_number, index) for index, key in enumerate(names)
        }
        queryset = build(**stand_ins)
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        built.append((queryset, compiler, sql, list(params), stand_ins))
    (queryset, compiler, sql, params, stand_ins), (_, _, sql_2, params_2, stand_ins_2) = built
    slots = {
        key: [slot for slot, param in enumerate(params) if param == value]
        for key, value in stand_ins.items()
    }
    expected = list(params)
    for key, places in slots.items():
        for slot in places:
            expected[slot] = stand_ins_2[key]
    klass_info = compiler.klass_info
    values = queryset._iterable_class is ValuesIterable
    if (
        sql != sql_2
        or expected != params_2
        or not (values or (queryset._iterable_class is ModelIterable and klass_info))
        or queryset._prefetch_related_lookups
        or queryset._known_related_objects
    ):
        raise ValueError(f"{name}: the query is not a plain function of {', '.join(names)}")
    used = tuple(key for key in names if slots[key])
    return _Prepared(
        statement=_statement(
            sql,
            params,
            [slots[key] for key in used],
            [stand_ins[key] for key in used],
            outer=outer,
            keep_plan=keep_plan,
        ),
        names=used,
        shape=row_shape(queryset, compiler),
        kinds=kinds,
    )


def reads_combined(model: type[models.Model]) -> bool:
    """Whether a page may read several apps' rows in one statement of JSON columns (the
    patient page, the portal's pages): on PostgreSQL. On SQLite, `make run`'s database, each
    selector reads its own rows instead, the same rows by a slower road."""
    return connections[router.db_for_read(model)].vendor == "postgresql"


def prepared_list(
    name: str, model: type[models.Model], build, *, keep_plan: bool = False, **values
) -> list:
    """`list(build(**values))` with SQL the ORM compiled once per process and database.

    For the few queries every page of a kind runs (the portal's patient, its red-flag notice):
    building and compiling a queryset with subqueries costs more than running it. `build`
    takes the values as keyword arguments (integers such as primary keys, UUIDs such as public
    ids, dates, aware datetimes such as "now" read by the caller, or `LikePattern`s the caller
    made with `contains_pattern` and tests with `Like`; the same kind for a name on every call)
    and must depend on nothing else; it may annotate, order, slice,
    `select_related` and end in `.values()`, but not `prefetch_related`. A value must reach the
    SQL as it is (a date compared with a date column), not turned into another value by a
    lookup (`__year`, `__icontains`); it may appear in the SQL more than once, or not at all
    (the manager's dashboard query reads every row, whoever asks).
    On first use it is built twice with different stand-in values, and refused (ValueError)
    if anything but those values differs, such as a date or time read inside it. Instances
    come back as the queryset would build them (`from_db`, converters, related rows,
    annotations), or dicts for `.values()`.

    `keep_plan=True`: the server runs the statement with the plan it keeps for it (a
    `plan_cache_mode` set for that one statement, in its round trip, and reset after it:
    by a statement of its own inside a transaction, by the round trip's end outside one),
    for a statement PostgreSQL's `auto` would plan anew for each run although that plan is
    always the same one, as when its filter is a range between two of its values (the
    default estimate for such a range is above the custom plan's, so `auto` never keeps it).
    Inside a transaction one more query as Django counts them (the reset); nothing where
    statements are not prepared (SQLite, PgBouncer)."""
    found = _prepared_run(name, model, build, values, keep_plan=keep_plan)
    if found is None:
        # SQLite (`make run`): its driver takes dates and times as text, so the stand-ins
        # cannot be found among the parameters; the ORM runs the query as it is.
        return list(build(**values))
    prepared, alias, rows = found
    return prepared.shape.build(rows, alias)


def prepared_tuples(
    name: str, model: type[models.Model], build, **values
) -> tuple[list[str], list[tuple]]:
    """`prepared_list` for a `build` that ends in `.values()`: the keys of the dicts it would
    give, and each row as a tuple of their values in that order (converters applied) rather
    than a dict, for a caller that builds its own object per row and would only take each
    dict apart again."""
    found = _prepared_run(name, model, build, values)
    if found is None:  # SQLite, as in `prepared_list`
        queryset = build(**values)
        query = queryset.query
        names = values_names(query)
        return names, [tuple(row[key] for key in names) for row in queryset]
    prepared, _, rows = found
    shape = prepared.shape
    if shape.values_names is None:
        raise ValueError(f"{name}: prepared_tuples needs a query ending in .values()")
    if shape.converters:
        rows = [tuple(row) for row in shape.compiler.apply_converters(rows, shape.converters)]
    return shape.values_names, rows


def prepared_row(name: str, model: type[models.Model], build, **values) -> dict | None:
    """`prepared_list`'s first row (None if there is none), for a `build` that ends in
    `.values()` whose columns are whole subqueries (the patient page's reads in one statement).
    Its server-side statement is `SELECT * FROM (<the ORM's SQL>) q`: the server runs the same
    plan (it pulls the subquery up), but `EXECUTE` copies the statement's select list on every
    run (`FetchPreparedStatementTargetList`), which is then a list of plain columns rather than
    every subquery's parse tree: 2.3M of the patient page statement's 9.0M instructions."""
    found = _prepared_run(name, model, build, values, outer=True)
    if found is None:  # SQLite, as in `prepared_list`
        return next(iter(build(**values)), None)
    prepared, alias, rows = found
    if prepared.shape.values_names is None:
        raise ValueError(f"{name}: prepared_row needs a query ending in .values()")
    return prepared.shape.build(rows[:1], alias)[0] if rows else None


def _prepared_run(
    name: str,
    model: type[models.Model],
    build,
    values: dict,
    *,
    outer: bool = False,
    keep_plan: bool = False,
):
    """The checks of `prepared_list`, then (prepared query, database, rows as the driver gives
    them); None on a database whose statements are not compiled here (SQLite)."""
    kinds = {key: _kind(value) for key, value in values.items()}
    if None in kinds.values():
        raise TypeError(
            f"{name}: values must be integers, UUIDs, dates, aware datetimes or LIKE patterns"
        )
    identity = _identity(build)
    if _builders.setdefault(name, identity) != identity:
        raise ValueError(f"{name}: this name already stands for another query's SQL")
    alias = router.db_for_read(model)
    if connections[alias].vendor != "postgresql":
        return None
    prepared = _prepared.get((name, alias))
    if prepared is None:
        prepared = _prepared[(name, alias)] = _compiled_once(
            name, build, kinds, alias, outer, keep_plan
        )
    elif prepared.kinds != kinds:
        raise TypeError(f"{name}: values of another kind than on first use")
    arguments = [values[key] for key in prepared.names]
    if LikePattern in kinds.values():  # the driver adapts plain text
        arguments = [str(v) if isinstance(v, LikePattern) else v for v in arguments]
    return prepared, alias, _fetch(alias, prepared.statement, arguments)
