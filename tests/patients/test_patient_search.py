"""Finding a patient by part of a name, email or phone, whatever the case."""

import pytest

from patients.selectors import patients_search
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada():
    return PatientFactory(
        first_name="Ada", last_name="Fleetfoot", email="ADA@Runners.example", phone="+447912345678"
    )


@pytest.fixture
def other():
    return PatientFactory(
        first_name="Bob", last_name="Plodder", email="bob@else.example", phone="+441632960001"
    )


@pytest.mark.parametrize(
    "query",
    [
        "ada",
        "FLEET",
        "eetfo",
        "ada fleetfoot",
        "Fleetfoot Ada",
        "runners.EX",
        "345678",
        "07912 345678",
        "+44 7912",
    ],
)
def test_it_finds_a_patient_by_partial_case_insensitive_query(therapist, ada, other, query):
    assert list(patients_search(user=therapist, query=query)) == [ada]


def test_it_returns_everyone_for_an_empty_query(therapist, ada, other):
    assert set(patients_search(user=therapist, query="  ")) == {ada, other}


def test_it_hides_archived_patients_unless_asked(therapist, ada):
    from patients.services import patient_archive

    patient_archive(patient=ada)
    assert list(patients_search(user=therapist, query="ada")) == []
    assert list(patients_search(user=therapist, query="ada", include_archived=True)) == [ada]


def test_it_finds_nothing_for_a_portal_patient(patient_user, ada):
    assert list(patients_search(user=patient_user, query="ada")) == []
