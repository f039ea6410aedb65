"""Every date and time field on every form of the site, found by walking the project's
modules: a new form is covered without a new test.

- Its input shows a stored value in the format the browser's input reads (ISO for
  type=date); the locale's 14/03/1992 leaves a native date box empty, and saving the form
  then loses the date (issue 12, item 7).
- Its dates have a plausible range, refused with a message next to the field: a birth in
  1800 or a goal event in 1900 is a typing mistake (item 8).
"""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil

import pytest
from django import forms
from django.core.exceptions import ValidationError

from clinic.widgets import NATIVE_FORMATS

APPS = ("clinic", "patients", "assessments", "exercises", "bookings", "notifications", "portal")
SKIP = (".migrations", ".management", ".tests")


def _import_project_modules() -> None:
    for app in APPS:
        package = importlib.import_module(app)
        for module in pkgutil.walk_packages(package.__path__, f"{app}."):
            if not any(part in module.name for part in SKIP):
                importlib.import_module(module.name)


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def project_forms() -> list[type[forms.BaseForm]]:
    _import_project_modules()
    found = {cls for cls in _subclasses(forms.BaseForm) if cls.__module__.split(".")[0] in APPS}
    return sorted(found, key=lambda cls: f"{cls.__module__}.{cls.__qualname__}")


def temporal_fields() -> list[tuple[str, forms.Field]]:
    return [
        (f"{form.__module__}.{form.__qualname__}.{name}", field)
        for form in project_forms()
        for name, field in form.base_fields.items()
        if isinstance(field, (forms.DateField, forms.TimeField, forms.DateTimeField))
    ]


FIELDS = temporal_fields()
STORED = {
    forms.DateTimeField: dt.datetime(1992, 3, 14, 9, 5),
    forms.DateField: dt.date(1992, 3, 14),
    forms.TimeField: dt.time(9, 5),
}


def test_it_finds_the_date_fields_of_every_app():
    apps = {name.split(".")[0] for name, _ in FIELDS}
    assert {"patients", "bookings", "exercises", "notifications", "portal", "clinic"} <= apps
    assert "patients.forms.PatientForm.date_of_birth" in dict(FIELDS)
    assert "patients.forms.PatientForm.goal_date" in dict(FIELDS)


@pytest.mark.parametrize(("name", "field"), FIELDS, ids=[name for name, _ in FIELDS])
def test_it_renders_a_stored_value_in_the_format_its_input_reads(name, field, settings):
    widget = field.widget
    input_type = widget.attrs.get("type", getattr(widget, "input_type", None))
    if input_type not in NATIVE_FORMATS:
        pytest.skip(f"{name} is a {input_type} input, not a native date or time picker")
    stored = next(value for kind, value in STORED.items() if isinstance(field, kind))
    html = widget.render("f", stored)
    expected = stored.strftime(NATIVE_FORMATS[input_type])
    assert f'value="{expected}"' in html, f"{name} renders {html}"


@pytest.mark.parametrize(
    ("name", "field"),
    [(name, field) for name, field in FIELDS if isinstance(field, forms.DateField)],
    ids=[name for name, field in FIELDS if isinstance(field, forms.DateField)],
)
@pytest.mark.parametrize("absurd", ["1800-01-01", "2300-01-01"])
def test_it_refuses_an_absurd_date_with_a_message(name, field, absurd):
    with pytest.raises(ValidationError) as refused:
        field.clean(absurd)
    assert refused.value.messages[0].strip(), name
