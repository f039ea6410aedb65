"""A page's child rows read inside its main statement, as JSON, and built back into instances.

An assessment page needs the assessment, its decisions and the episode's working diagnoses; a
session note needs the note, its re-tests and its treatments. Each list used to be a statement
of its own, and each statement costs the PostgreSQL server about as much as a million
instructions of the page's Python (parsing, planning, a round trip). `rows_array` reads such
a list as one column of the main statement (`ARRAY(SELECT jsonb_build_object(...))`), and
`instances` turns that column back into model instances: each value through its field's own
`to_python` (dates, datetimes and UUIDs come as JSON text), then `Model.from_db`, as a query
would build them. Fields left out are deferred (reading one would cost a query).

`RowsArray` is the column itself, for any one-JSON-column subquery: PostgreSQL's
`ARRAY(SELECT ...)`, and on SQLite (`make run`'s database) the same rows as a JSON array in
text, handed back as the same list of dicts, so every page works on both.

`JSONRow` is Django's `JSONObject`, except that inside `objects_as_json()` it is built on
PostgreSQL as `json` text (`json_build_object`) rather than as `jsonb`: a `jsonb` object is
built as a tree, written out as binary and then, for `array_to_json`, written out again as
text, every nested `jsonb` column (a plan's items) copied each time; a `json` object is the
text once. Python reads the same values either way, but `json` keeps keys in the order given
and writes a `float` column with all its digits where `jsonb` rounds it to 15: so only for
statements whose objects hold no `float` column (the portal home's).
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import functools
import json
from collections.abc import Iterable, Sequence

from django.contrib.postgres.expressions import ArraySubquery
from django.db import models
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.functions import Cast, JSONObject
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init
from django.utils import timezone
from pydantic_core import from_json


class RowsArray(ArraySubquery):
    """The rows of a subquery that selects one JSON column, as a list (of dicts for a
    `JSONObject`). PostgreSQL gathers them as an array and hands it over as one JSON value
    (`array_to_json`): the driver decodes that in one pass, where an array of JSON values came
    as array text with every value quoted and escaped, which the driver took apart character by
    character before decoding each value. SQLite has no arrays, so there they are gathered with
    `json_group_array` and decoded from text on the way back."""

    def as_postgresql(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler, connection, template="array_to_json(ARRAY(%(subquery)s))", **extra_context
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        (column,) = [*self.query.values_select, *self.query.annotation_select]
        column = connection.ops.quote_name(column)  # an alias the ORM named, not input
        template = f"(SELECT json_group_array(json(_rows.{column})) FROM (%(subquery)s) _rows)"  # noqa: S608  # nosec B608
        return super().as_sql(compiler, connection, template=template, **extra_context)

    def get_db_converters(self, connection):
        # psycopg2 decodes a `json` value itself (SQLite's arrives as text).
        return [_from_json_text]


_AS_JSON = contextvars.ContextVar("clinic_json_rows_as_json", default=False)


@contextlib.contextmanager
def objects_as_json():
    """Every `JSONRow` made inside (and `rows_array`'s objects) is built on PostgreSQL as
    `json`, not `jsonb` (see the module's notes)."""
    token = _AS_JSON.set(True)
    try:
        yield
    finally:
        _AS_JSON.reset(token)


class JSONRow(JSONObject):
    """`JSONObject`, built as `json` on PostgreSQL when made inside `objects_as_json()`."""

    def __init__(self, **fields):
        super().__init__(**fields)
        self.as_json = _AS_JSON.get()

    def as_postgresql(self, compiler, connection, **extra_context):
        if not self.as_json:
            return super().as_postgresql(compiler, connection, **extra_context)
        copy = self.copy()
        copy.set_source_expressions(
            [
                Cast(expression, models.TextField()) if index % 2 == 0 else expression
                for index, expression in enumerate(copy.get_source_expressions())
            ]
        )
        if connection.features.is_postgresql_16:
            return copy.as_native(compiler, connection, returning="JSON", **extra_context)
        return models.Func.as_sql(
            copy, compiler, connection, function="JSON_BUILD_OBJECT", **extra_context
        )


class _JSONColumn(models.Func):
    """A JSON column inside a `JSONObject`: as it is on PostgreSQL; on SQLite, which keeps
    JSON as text, through `json()` so that it nests as JSON rather than as a string."""

    template = "%(expressions)s"
    output_field = models.JSONField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, template="json(%(expressions)s)")


def _column(model: type[models.Model], name: str):
    field = model._meta.pk if name == "pk" else model._meta.get_field(name)
    return _JSONColumn(name) if isinstance(field, models.JSONField) else name


def _from_json_text(value, expression, connection):
    return json.loads(value) if isinstance(value, str | bytes) else value


# `json.loads` of a JSON column's text (floats as floats; decimal columns arrive as text).
_json_decode = json.JSONDecoder().decode


def decode(text: str):
    """What `json.loads(text)` gives, parsed by pydantic_core's `from_json` (jiter, in Rust;
    pydantic, in requirements.txt, pins it): about 40 % fewer instructions than the standard
    library's C scanner over a page's rows. It gives the same values (floats correctly
    rounded, integers of any size, NaN and infinities as `json.loads` reads them); for any
    text it refuses (a lone surrogate escape, which PostgreSQL never sends) the standard
    decoder answers. The patient page's rows and the portal home's panels are read with it."""
    try:
        return from_json(text)
    except ValueError:
        return _json_decode(text)


def _python(field: models.Field, value):
    """A JSON value as the field's Python value; SQLite's JSON writes datetimes without their
    zone (they are UTC there), PostgreSQL's with it."""
    value = field.to_python(value)
    if isinstance(value, dt.datetime) and timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return value


def rows_array(
    queryset: models.QuerySet,
    *,
    fields: Sequence[str],
    related: dict[str, Sequence[str]] | None = None,
    annotations: Iterable[str] = (),
) -> RowsArray:
    """Every row of `queryset` (in its order) as a JSON object of `fields` (attribute names,
    such as `confirmed_by_id`), the `annotations` it carries, and for each foreign key in
    `related` the named fields of the row it points to (with its key), under the key's name."""
    values = {name: _column(queryset.model, name) for name in fields}
    values.update({name: name for name in annotations})
    for name, their_fields in (related or {}).items():
        values[name] = JSONRow(**{key: f"{name}__{key}" for key in ("pk", *their_fields)})
    return RowsArray(queryset.values(row=JSONRow(**values)))


class _Plan:
    """How `instances` builds one model's rows for one list of fields, worked out once per
    process: each field's attribute name, the conversion its JSON value needs (None where the
    JSON value already is the field's value: text into a text field, a number into an integer
    field, true or false, a JSON column), and whether an instance may be made without
    `Model.__init__` (the model keeps Django's own `__init__` and `from_db`, and `__init__`
    would store every field as it is)."""

    __slots__ = ("attnames", "direct", "fields", "order", "ordered_attnames", "plain")

    def __init__(self, model: type[models.Model], names: Sequence[str]):
        meta = model._meta
        fields = [meta.pk if name == "pk" else meta.get_field(name) for name in names]
        self.attnames = tuple(field.attname for field in fields)
        self.fields = tuple(None if _as_it_is(field) else field for field in fields)
        self.plain = all(field is None for field in self.fields)
        # `from_db` takes the values in the model's order of fields, whatever the caller's.
        place = {field.attname: index for index, field in enumerate(meta.concrete_fields)}
        self.order = tuple(sorted(range(len(names)), key=lambda i: place[self.attnames[i]]))
        self.ordered_attnames = tuple(self.attnames[i] for i in self.order)
        self.direct = made_without_init(model, self.attnames)


#: `to_python` methods that give a JSON value of their field's own kind back unchanged.
_UNCHANGED = {
    models.Field.to_python,
    models.CharField.to_python,
    models.TextField.to_python,
    models.IntegerField.to_python,
    models.BooleanField.to_python,
}


def _as_it_is(field: models.Field) -> bool:
    if isinstance(field, models.ForeignKey):
        return _as_it_is(field.target_field)
    return type(field).to_python in _UNCHANGED


@functools.cache
def made_without_init(model: type[models.Model], attnames: tuple[str, ...]) -> bool:
    """Whether `model`'s instances of these attributes may be made without `Model.__init__`
    (by `made`): the model keeps Django's own `__init__` and `from_db`, and `__init__` would
    store each attribute as it is. Worked out once per process; whether anything listens to
    the model's init signals is for the caller to ask at the time (`init_heard`)."""
    return (
        model.__init__ is models.Model.__init__
        and model.from_db.__func__ is models.Model.from_db.__func__
        and all(_stored_as_given(model, attname) for attname in attnames)
    )


def init_heard(model: type[models.Model]) -> bool:
    """Whether a receiver listens to `model`'s `pre_init` or `post_init`: then only
    `Model.__init__` may make its instances."""
    return pre_init.has_listeners(model) or post_init.has_listeners(model)


def made(model: type[models.Model], alias: str, attnames: Sequence[str], values: Iterable):
    """An instance as `from_db` makes it, without `__init__`'s walk over every field of the
    model: the values stored under their attribute names, the fields not read left deferred,
    not new, from `alias`. Only where `made_without_init` allows and `init_heard` is false."""
    instance = model.__new__(model)
    instance.__dict__.update(zip(attnames, values, strict=True))
    state = instance._state = ModelState()
    state.adding = False
    state.db = alias
    return instance


def _stored_as_given(model: type[models.Model], attname: str) -> bool:
    """Whether `Model.__init__` stores a value of this attribute as it is (a plain deferred
    attribute, or a foreign key's id on a new instance), not through a descriptor that
    converts it (a phone number, say)."""
    for klass in model.__mro__:
        if attname in klass.__dict__:
            return type(klass.__dict__[attname]) in (DeferredAttribute, ForeignKeyDeferredAttribute)
    return False


@functools.cache
def _plan(model: type[models.Model], names: tuple[str, ...]) -> _Plan:
    return _Plan(model, names)


def _build(model: type[models.Model], alias: str, data: dict, names: Sequence[str]):
    plan = _plan(model, tuple(names))
    if plan.plain:
        values = [data[name] for name in names]
    else:
        values = [
            value if field is None or value is None else _python(field, value)
            for field, value in zip(plan.fields, (data[name] for name in names), strict=True)
        ]
    if not plan.direct or init_heard(model):
        return model.from_db(alias, plan.ordered_attnames, [values[i] for i in plan.order])
    return made(model, alias, plan.attnames, values)


class _Join:
    """A foreign key of `instances`' rows: its related row is attached as `select_related`
    attaches one (`Field.set_cached_value`, and the reverse side of a one-to-one), not through
    the attribute's descriptor, whose checks an instance built from its own row does not need;
    the key's column is filled from the related row if the row did not read it."""

    __slots__ = ("columns", "field", "name", "reverse", "target")

    def __init__(self, model: type[models.Model], name: str):
        self.name = name
        self.field = model._meta.get_field(name)
        self.target = self.field.related_model
        self.columns = tuple((lh.attname, rh.attname) for lh, rh in self.field.related_fields)
        self.reverse = self.field.remote_field if self.field.one_to_one else None

    def attach(self, instance, related) -> None:
        loaded = instance.__dict__
        for column, their_column in self.columns:
            if column not in loaded:
                loaded[column] = getattr(related, their_column)
        self.field.set_cached_value(instance, related)
        if self.reverse is not None:
            self.reverse.set_cached_value(related, instance)


@functools.cache
def _join(model: type[models.Model], name: str) -> _Join:
    return _Join(model, name)


def instances(
    model: type[models.Model],
    alias: str,
    rows: list[dict] | None,
    *,
    fields: Sequence[str],
    related: dict[str, Sequence[str]] | None = None,
    annotations: dict[str, models.Field] | None = None,
) -> list:
    """The instances of the rows `rows_array` read (with the same `fields` and `related`),
    each annotation set as an attribute after its `output_field`'s `to_python`."""
    found = []
    joins = (
        [(_join(model, name), ("pk", *their_fields)) for name, their_fields in related.items()]
        if related
        else ()
    )
    for data in rows or ():
        instance = _build(model, alias, data, fields)
        for join, their_fields in joins:
            if data[join.name]["pk"] is not None:
                join.attach(instance, _build(join.target, alias, data[join.name], their_fields))
        for name, field in (annotations or {}).items():
            value = data[name]
            setattr(instance, name, None if value is None else _python(field, value))
        found.append(instance)
    return found
