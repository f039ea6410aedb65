"""A page's child rows read inside its main statement, as JSON, and built back into instances.

An assessment page needs the assessment, its decisions and the episode's working diagnoses; a
session note needs the note, its re-tests and its treatments. Each list used to be a statement
of its own, and each statement costs the PostgreSQL server about as much as a million
instructions of the page's Python (parsing, planning, a round trip). `rows_array` reads such
a list as one column of the main statement (`ARRAY(SELECT jsonb_build_object(...))`), and
`instances` turns that column back into model instances: each value through its field's own
`to_python` (dates, datetimes and UUIDs come as JSON text), then `Model.from_db`, as a query
would build them. Fields left out are deferred (reading one would cost a query).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.contrib.postgres.expressions import ArraySubquery
from django.db import models
from django.db.models.functions import JSONObject


def rows_array(
    queryset: models.QuerySet,
    *,
    fields: Sequence[str],
    related: dict[str, Sequence[str]] | None = None,
    annotations: Iterable[str] = (),
) -> ArraySubquery:
    """Every row of `queryset` (in its order) as a JSON object of `fields` (attribute names,
    such as `confirmed_by_id`), the `annotations` it carries, and for each foreign key in
    `related` the named fields of the row it points to (with its key), under the key's name."""
    values = {name: name for name in (*fields, *annotations)}
    for name, their_fields in (related or {}).items():
        values[name] = JSONObject(**{key: f"{name}__{key}" for key in ("pk", *their_fields)})
    return ArraySubquery(queryset.values(row=JSONObject(**values)))


def _build(model: type[models.Model], alias: str, data: dict, fields: Sequence[str]):
    meta = model._meta
    attnames, values = [], []
    for name in fields:
        field = meta.pk if name == "pk" else meta.get_field(name)
        attnames.append(field.attname)
        values.append(None if data[name] is None else field.to_python(data[name]))
    return model.from_db(alias, attnames, values)


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
    for data in rows or ():
        instance = _build(model, alias, data, fields)
        for name, their_fields in (related or {}).items():
            if data[name]["pk"] is not None:
                target = model._meta.get_field(name).related_model
                setattr(instance, name, _build(target, alias, data[name], ("pk", *their_fields)))
        for name, field in (annotations or {}).items():
            value = data[name]
            setattr(instance, name, None if value is None else field.to_python(value))
        found.append(instance)
    return found
