import pytest

from tests.patients.factories import PatientFactory


@pytest.fixture
def patient(db):
    return PatientFactory(first_name="Robin", last_name="Trail", email="robin@runners.example")


@pytest.fixture
def other_patient(db):
    return PatientFactory(first_name="Sasha", last_name="Ridge", email="sasha@runners.example")
