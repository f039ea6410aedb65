"""Rows read as JSON (`clinic.json_rows.instances`) come back as the ORM would build them: each
value in its field, whatever order the caller names the fields in, the fields not read left
deferred, and a field with its own Python type (a date, a phone number) converted."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from phonenumber_field.phonenumber import PhoneNumber

from clinic.json_rows import JSONRow, RowsArray, instances, objects_as_json, rows_array
from clinic.sites import Site
from patients.models import Patient
from tests.clinic.site_factories import make_site

pytestmark = pytest.mark.django_db


def test_it_puts_each_value_in_its_own_field_whatever_order_they_are_named_in():
    york = make_site("Apex York")
    york.phone = "01904 496 000"
    york.save()
    row = {"id": york.pk, "is_default": False, "phone": "01904 496 000"}

    (built,) = instances(Site, "default", [row], fields=["phone", "is_default", "id"])

    assert (built.pk, built.phone, built.is_default) == (york.pk, "01904 496 000", False)
    assert built.phone_for_patients == "01904 496 000"  # not the clinic's number
    assert built == york
    assert not built._state.adding
    assert built._state.db == "default"


def test_it_leaves_the_fields_not_read_deferred():
    york = make_site("Apex York")
    (built,) = instances(Site, "default", [{"id": york.pk}], fields=["id"])

    assert "name" in built.get_deferred_fields()
    with CaptureQueriesContext(connection) as reads:
        assert built.name == "Apex York"
    assert len(reads) == 1


def test_it_gives_dates_and_phone_numbers_as_the_orm_does():
    patient = Patient.objects.create(
        first_name="Alex",
        last_name="Stride",
        date_of_birth=dt.date(1980, 5, 1),
        phone="+447700900123",
    )
    row = {"id": patient.pk, "date_of_birth": "1980-05-01", "phone": "+447700900123"}

    (built,) = instances(Patient, "default", [row], fields=["id", "phone", "date_of_birth"])

    from_orm = Patient.objects.get(pk=patient.pk)
    assert built.date_of_birth == from_orm.date_of_birth == dt.date(1980, 5, 1)
    assert isinstance(built.phone, PhoneNumber)
    assert built.phone == from_orm.phone


def _rows(*, as_json: bool):
    """Each patient's row read by `rows_array` (dates, datetimes, UUIDs, a phone, a nested
    object and a JSON column) in a statement, built inside `objects_as_json()` or not."""
    from django.db.models import OuterRef

    from bookings.models import Appointment

    def build():
        nested = RowsArray(
            Patient.objects.filter(pk=OuterRef("pk")).values(
                row=JSONRow(name="first_name", born="date_of_birth", at="created_at")
            )
        )
        return Patient.objects.order_by("pk").values(
            "pk",
            mine=rows_array(
                Patient.objects.filter(pk=OuterRef("pk")),
                fields=["id", "public_id", "created_at", "date_of_birth", "phone", "first_name"],
                related={"preferred_site": ["name", "is_default"]},
            ),
            nested=nested,
            booked=rows_array(
                Appointment.objects.filter(patient_id=OuterRef("pk")).order_by("start"),
                fields=["id", "start", "end", "status"],
            ),
        )

    if as_json:
        with objects_as_json():
            queryset = build()
    else:
        queryset = build()
    return str(queryset.query), list(queryset)


def test_objects_built_as_json_give_the_same_values_as_jsonb():
    """Inside `objects_as_json()` the server builds `json` rather than `jsonb` objects (the
    portal home's statement): Python reads the same rows, and outside nothing changes."""
    from clinic.models import User
    from tests.bookings.factories import AppointmentFactory
    from tests.conftest import make_user

    york = make_site("Apex York")
    patient = Patient.objects.create(
        first_name='Zoë "Z" <b>',
        last_name="Stride",
        date_of_birth=dt.date(1980, 5, 1),
        phone="+447700900123",
        preferred_site=york,
    )
    Patient.objects.create(first_name="Sam", last_name="Lee", date_of_birth=dt.date(1990, 1, 2))
    AppointmentFactory(patient=patient, therapist=make_user("t@test.example", User.Role.THERAPIST))

    sql_jsonb, as_jsonb = _rows(as_json=False)
    sql_json, as_json = _rows(as_json=True)

    assert as_json == as_jsonb
    assert as_json[0]["mine"][0]["first_name"] == 'Zoë "Z" <b>'
    assert len(as_json[0]["booked"]) == 1
    if connection.vendor == "postgresql":
        assert "JSON_BUILD_OBJECT" not in sql_jsonb
        assert "JSONB_BUILD_OBJECT" not in sql_json
        assert sql_jsonb.count("JSONB_BUILD_OBJECT") == sql_json.count("JSON_BUILD_OBJECT") == 4
