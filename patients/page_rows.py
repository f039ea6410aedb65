"""The patient page's reads in one statement.

The staff patient page gathers a dozen apps' panels, and each used to ask its own question of
the database: some eighteen statements a view, each costing the PostgreSQL server about as much
as a million instructions of the page's Python (a round trip, an executor start) even once
prepared. Here every app's read for the page (`patient_page_reads` in its panels.py: the same
name and query builder its selector hands to `clinic.rows.prepared_list`) becomes one JSON
column of a single statement, compiled once per process and kept prepared per connection
(`prepared_row`, which prepares it as `SELECT * FROM (...) q`), and each selector takes its
rows from there (`taken`) instead of asking.

Each query is the selector's own, unchanged, wrapped as
`(SELECT json_agg(json_build_array(s.c0, s.c1, ...))::text FROM (<its SQL>) s(c0, c1, ...))`:
positional, so the columns' own names (repeated across joined tables) do not matter. The
values are turned back into what the database driver would have given for each column (dates,
datetimes, UUIDs and decimals arrive as JSON text, numbers as numbers), then through the ORM's
own converters, `Model.from_db` and related-row populators, so the instances are those the
selector's query builds. A JSON column rides inside the row as it is and is decoded with it,
where Django's own converter would only have decoded its text (`_natively`). A read is taken
once: a second ask of the same name queries afresh, as it did before.

Only the patient page opens a batch (`read`): everywhere else `taken` answers None and each
selector reads for itself.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cached_property
from uuid import UUID, SafeUUID

from django.db import models, router
from django.db.models.expressions import RawSQL
from django.db.models.query import RelatedPopulator
from django.utils.dateparse import parse_duration

from clinic.json_rows import decode, init_heard, made, made_without_init
from clinic.rows import RowShape, prepared_row, reads_combined, row_shape
from patients.models import Episode, Patient


@dataclass(frozen=True)
class PageRead:
    """One selector's read for the patient page: `build(patient_id=..., **values)` is the
    queryset its selector passes to `prepared_list` under `name`, with the same `values`."""

    name: str
    model: type[models.Model]
    build: Callable
    values: dict = field(default_factory=dict)


#: Where the page's rows wait on the patient object of the request, by read name.
_TAKEN = "_page_rows"

_new, _set, _UNKNOWN = object.__new__, object.__setattr__, SafeUUID.unknown


def _uuid(text: str) -> UUID:
    """`UUID(text)` made without `UUID.__init__`'s pure-Python walk over every spelling it
    accepts (the page's rows bring some thirty UUIDs a view, as PostgreSQL spells them): for
    text whose hyphens taken out leave 32 hexadecimal digits, `__init__` computes just this
    (`int(digits, 16)`; its other steps, `urn:`, `uuid:` and braces, would have left a
    character `int` refuses) and sets `int` and `is_safe` as here. Anything else goes to
    `UUID` itself, which gives or refuses it as before."""
    digits = text.replace("-", "")
    if len(digits) != 32:
        return UUID(text)
    try:
        number = int(digits, 16)
    except ValueError:
        return UUID(text)  # its own refusal
    value = _new(UUID)
    _set(value, "int", number)
    _set(value, "is_safe", _UNKNOWN)
    return value


# What the driver gives for a column, from its JSON value, by the field's internal type.
_FROM_JSON: dict[str, Callable] = {
    "DateTimeField": dt.datetime.fromisoformat,
    "DateField": dt.date.fromisoformat,
    "TimeField": dt.time.fromisoformat,
    "UUIDField": _uuid,
    "DecimalField": Decimal,
    "FloatField": float,
    "DurationField": parse_duration,
}
# Columns whose JSON value is already what the driver gives.
_AS_THEY_ARE = {
    "AutoField",
    "BigAutoField",
    "SmallAutoField",
    "IntegerField",
    "BigIntegerField",
    "SmallIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "PositiveBigIntegerField",
    "BooleanField",
    "CharField",
    "TextField",
    "EmailField",
    "SlugField",
    "URLField",
    "JSONField",  # inside the row's JSON as it is (`_natively`), else as its text (`::text`)
}


def _natively(expression, converters) -> bool:
    """Whether a JSON column can ride inside the row's JSON as it is, decoded with the row:
    its only converter is Django's own `JSONField.from_db_value` without a decoder of its own,
    which gives what `json.loads` of the column's text gives (the row's decoder reads floats
    as floats, as `json.loads` does: decimals travel as text)."""
    field = expression.output_field
    return (
        isinstance(field, models.JSONField)
        and field.decoder is None
        and type(field).from_db_value is models.JSONField.from_db_value
        and converters is not None
        and converters[0] == [field.from_db_value]
    )


def _internal_type(output_field) -> str:
    while output_field.is_relation:
        output_field = output_field.target_field
    return output_field.get_internal_type()


@dataclass(frozen=True)
class _Shape:
    """What turns one read's JSON rows back into what its query builds: each column's value
    into what the driver gives (`conversions`), then the rows into instances (`rows`), then
    the related rows the page holds already set on them (`held`: `_held`)."""

    conversions: tuple  # per column: a function, or None
    rows: RowShape
    held: tuple = ()  # the foreign keys whose rows come from the page, not the statement

    @cached_property
    def converted(self) -> tuple:
        """(position, function) of the columns whose JSON value is not what the driver gives:
        the others are left as json.loads made them."""
        return tuple(
            (index, convert)
            for index, convert in enumerate(self.conversions)
            if convert is not None
        )


_shapes: dict[tuple[str, str], _Shape] = {}


def _held(queryset) -> tuple[models.QuerySet, tuple]:
    """`queryset` without the related rows the page holds already, and the foreign keys they
    hang on: a `select_related` of the patient's episode (the page reads every episode of the
    patient in the same statement, `episodes_load`) or of the patient (the page's own row),
    with nothing selected beyond it. Those rows then ride in the statement once rather than
    again in every read that joins them (a dozen columns per read to build, send, decode and
    make into an instance), and each instance gets the page's own (`_hold`)."""
    chosen = queryset.query.select_related
    if not isinstance(chosen, dict) or queryset.query.values_select:
        return queryset, ()
    held = []
    for name, further in chosen.items():
        relation = queryset.model._meta.get_field(name)
        if (
            not further
            and (relation.many_to_one or relation.one_to_one)
            and relation.concrete
            and relation.related_model in (Episode, Patient)
            and relation.target_field.primary_key
        ):
            held.append(relation)
    if not held:
        return queryset, ()
    names = {relation.name for relation in held}
    queryset = queryset._chain()
    queryset.query.select_related = {
        name: further for name, further in chosen.items() if name not in names
    } or False
    return queryset, tuple(held)


def _compiled(read: PageRead, alias: str, values: dict) -> tuple[str, list, _Shape]:
    queryset, held = _held(read.build(**values))
    compiler = queryset.query.get_compiler(using=alias)
    sql, params = compiler.as_sql()
    select = compiler.select[: compiler.col_count]
    rows = row_shape(queryset, compiler)
    conversions, columns, native = [], [], set()
    for index, (expression, _, _) in enumerate(select):
        kind = _internal_type(expression.output_field)
        if kind not in _AS_THEY_ARE and kind not in _FROM_JSON:
            raise ValueError(f"{read.name}: a {kind} column cannot ride along as JSON")
        conversions.append(_FROM_JSON.get(kind))
        if kind == "JSONField" and _natively(expression, rows.converters.get(index)):
            native.add(index)  # decoded with the row: no text to escape, send and decode again
            columns.append(f"s.c{index}")
        elif kind in ("JSONField", "DecimalField"):
            # A decimal as its text, read by Decimal exactly as the driver reads it.
            columns.append(f"s.c{index}::text")
        else:
            columns.append(f"s.c{index}")
    names = ", ".join(f"c{index}" for index in range(len(select)))
    # Only the ORM's compiled SQL and column positions: every value stays a parameter.
    row = f"json_build_array({', '.join(columns)})"
    wrapped = f"SELECT json_agg({row})::text FROM ({sql}) s({names})"  # noqa: S608  # nosec B608
    if native:
        kept = {index: found for index, found in rows.converters.items() if index not in native}
        rows = replace(rows, converters=kept)
    shape = _Shape(conversions=tuple(conversions), rows=rows, held=held)
    return wrapped, list(params), shape


def _shape(read: PageRead, alias: str, patient_id: int) -> _Shape:
    shape = _shapes.get((read.name, alias))
    if shape is None:
        shape = _shapes[(read.name, alias)] = _compiled(
            read, alias, {"patient_id": patient_id, **read.values}
        )[2]
    return shape


def _rows(shape: _Shape, alias: str, text: str | None) -> list:
    """The JSON column of one read as the instances (or dicts) its query gives."""
    rows = decode(text) if text else []
    converted = shape.converted
    width = len(shape.conversions)
    for values in rows:
        if len(values) != width:
            raise ValueError("a JSON row of another width than its query's columns")
        for index, convert in converted:
            value = values[index]
            if value is not None:
                values[index] = convert(value)
    return _built(shape.rows, rows, alias)


def _built(shape: RowShape, rows: list, alias: str) -> list:
    """`shape.build(rows, alias)`, with each row's own instance made as `from_db` makes it
    (its values under their attribute names, the columns not read left deferred, not new and
    from `alias`) but without `__init__`'s walk over every field of the model and its
    signals' checks, where `clinic.json_rows.made_without_init` allows and no receiver listens
    to the model's init signals; the rows of related models (`select_related`) likewise
    (`_Related`). Annotations go as `build` sets them."""
    if not rows:
        # Most patients have no comments, texts, acknowledged alerts, runs or summaries:
        # `build` would still make the read's related-row populators for nothing.
        return []
    model = shape.model
    attnames = tuple(shape.attnames)
    if (
        shape.values_names is not None
        or not made_without_init(model, attnames)
        or init_heard(model)
    ):
        return shape.build(rows, alias)
    if shape.converters:
        rows = shape.compiler.apply_converters(rows, shape.converters)
    related = _populators(shape, alias)
    columns, annotations = shape.model_columns, shape.annotations.items()
    found = []
    for row in rows:
        instance = made(model, alias, attnames, row[columns])
        for populator in related:
            populator.populate(row, instance)
        for attribute, position in annotations:
            setattr(instance, attribute, row[position])
        found.append(instance)
    return found


class _Related(RelatedPopulator):
    """Django's populator of one `select_related` row, made once per process for each read
    (it depends only on the compiled query), which makes the related instance as `made` does
    where `made_without_init` allows and no receiver listens to its model's init signals, and
    goes through `from_db` otherwise."""

    def __init__(self, klass_info, select, db):
        super().__init__(klass_info, select, db)
        self.related_populators = [
            _Related(info, select, db) for info in klass_info.get("related_klass_infos", [])
        ]
        self.attnames = tuple(self.init_list)
        self.direct = self.reorder_for_init is None and made_without_init(
            self.model_cls, self.attnames
        )

    def populate(self, row, from_obj):
        if not self.direct or init_heard(self.model_cls):
            return super().populate(row, from_obj)
        values = row[self.cols_start : self.cols_end]
        if values[self.pk_idx] is None:
            obj = None
        else:
            obj = made(self.model_cls, self.db, self.attnames, values)
            for populator in self.related_populators:
                populator.populate(row, obj)
        self.local_setter(from_obj, obj)
        if obj is not None:
            self.remote_setter(obj, from_obj)


_related: dict[tuple[int, str], tuple[RowShape, list]] = {}


def _populators(shape: RowShape, alias: str) -> list:
    """The `_Related` populators of a read's shape for `alias`, made once per process (the
    shape itself is kept per process: `_shape`)."""
    kept = _related.get((id(shape), alias))
    if kept is None or kept[0] is not shape:
        compiler = shape.compiler
        kept = _related[(id(shape), alias)] = (
            shape,
            [
                _Related(info, compiler.select, alias)
                for info in compiler.klass_info.get("related_klass_infos", [])
            ],
        )
    return kept[1]


def read(*, patient: Patient, reads: list[PageRead]) -> None:
    """Read every one of `reads` for `patient` in one statement (compiled once per process for
    each list of reads) and keep the rows on the patient object for `taken`. Not on SQLite
    (`make run`), which has no `json_agg`: there each selector reads for itself."""
    if not reads_combined(Patient):
        return
    if not reads:
        patient.__dict__[_TAKEN] = {}
        return
    alias = router.db_for_read(Patient)
    values = {"patient_id": patient.pk}
    for index, one in enumerate(reads):
        values.update({f"r{index}_{key}": value for key, value in one.values.items()})

    def build(**given):
        columns = {}
        for index, one in enumerate(reads):
            own = {key: given[f"r{index}_{key}"] for key in one.values}
            sql, params, _ = _compiled(one, alias, {"patient_id": given["patient_id"], **own})
            columns[f"r{index}"] = RawSQL(sql, params, output_field=models.TextField())  # noqa: S611  # nosec B611 (the ORM's own SQL)
        # One row by its key: no ORDER BY (the model's own would sort it).
        return Patient.objects.filter(pk=given["patient_id"]).order_by().values(**columns)

    signature = ",".join(one.name for one in reads)
    # `prepared_row`: the server's EXECUTE no longer copies the subqueries' parse trees.
    texts = prepared_row(f"patients.page_rows:{signature}", Patient, build, **values) or {}
    patient.__dict__[_TAKEN] = {
        one.name: (one, alias, texts.get(f"r{index}")) for index, one in enumerate(reads)
    }


def taken(patient, name: str, **values) -> list | None:
    """The rows the patient page read for `name` with these `values` (once: a second ask gets
    None), or None outside the page or for a read it did not make; the caller then reads for
    itself."""
    waiting = None if patient is None else patient.__dict__.get(_TAKEN)
    if not waiting or name not in waiting or waiting[name][0].values != values:
        return None
    one, alias, text = waiting.pop(name)
    shape = _shape(one, alias, patient.pk)
    rows = _rows(shape, alias, text)
    if shape.held and rows:
        _hold(patient, shape.held, rows)
    return rows


def _hold(patient, held: tuple, rows: list) -> None:
    """Set each row's related episode or patient (`_held`) to the page's own instance, as
    `select_related` would have set its own copy (the page's instances are left as they are:
    a one-to-one's other side is not set on them); a key the page does not hold (a row of
    this patient's tied to another patient's episode) is left to be read when asked for."""
    episodes = None
    for relation in held:
        if relation.related_model is Patient:
            known = {patient.pk: patient}
        else:
            if episodes is None:
                episodes = {episode.pk: episode for episode in _episodes(patient)}
            known = episodes
        attname = relation.attname
        for row in rows:
            key = getattr(row, attname)
            if key is None:
                relation.set_cached_value(row, None)
            elif key in known:
                relation.set_cached_value(row, known[key])


def _episodes(patient) -> list:
    """The patient's episodes as the page loaded them (`episodes_load`), loading them now if
    the page has not yet."""
    loaded = getattr(patient, "_prefetched_objects_cache", {}).get("episodes")
    if loaded is None:
        from patients.selectors import episodes_load  # it reads through this module

        episodes_load(patient=patient)
        loaded = patient._prefetched_objects_cache["episodes"]
    return list(loaded)
