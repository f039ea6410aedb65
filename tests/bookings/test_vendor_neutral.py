"""The same model and migrations work on SQLite, where exclusion constraints do not exist."""

import pytest
from django.db import connection

from bookings.models import Appointment
from tests.bookings.factories import AppointmentFactory, at
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor == "postgresql", reason="checks the SQLite fallback")
def test_it_skips_the_database_constraint_checks_off_postgresql(therapist):
    AppointmentFactory(therapist=therapist, start=at("2026-03-24", "10:00"))
    clash = AppointmentFactory.build(
        therapist=therapist, patient=PatientFactory(), start=at("2026-03-24", "10:15")
    )
    clash.validate_constraints()  # nothing to ask SQLite; the services check instead
    assert Appointment.objects.count() == 1
