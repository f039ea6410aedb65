"""Rows read as JSON (`clinic.json_rows.instances`) come back as the ORM would build them: each
value in its field, whatever order the caller names the fields in, the fields not read left
deferred, and a field with its own Python type (a date, a phone number) converted."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from phonenumber_field.phonenumber import PhoneNumber

from clinic.json_rows import instances
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
