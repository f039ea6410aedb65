"""Finding a patient by part of a name, email or phone, whatever the case."""

import pytest
from django.db.models import Q

from patients.models import Patient
from patients.selectors import SEARCH_TEXT, patients_search
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


@pytest.mark.parametrize("query", ["ada", "ada fleetfoot", "07912 345678"])
def test_it_finds_the_same_patients_as_a_subquery(therapist, ada, other, query):
    # The search expression's SQL is built once per table alias: a subquery names its table
    # differently (U0), and must still test its own rows.
    matching = patients_search(user=therapist, query=query)
    assert list(Patient.objects.filter(pk__in=matching.values("pk"))) == [ada]
    assert list(matching) == [ada]


def test_it_tests_the_expression_the_trigram_index_is_built_on(therapist):
    # Migration 0002 indexes SEARCH_TEXT; the search must give PostgreSQL the same SQL, or
    # the index cannot serve it.
    plain = Patient.objects.active().alias(search_text=SEARCH_TEXT)
    for query, expected in [
        ("ada", plain.filter(search_text__contains="ADA")),
        (
            "ada x",
            plain.filter(
                (Q(search_text__contains="ADA") & Q(search_text__contains="X"))
                | Q(search_text__contains="ADA X")
            ),
        ),
    ]:
        assert str(patients_search(user=therapist, query=query).query) == str(expected.query)
