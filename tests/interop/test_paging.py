"""Searches come a page at a time, in a stable order, with a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.bookings.factories import AppointmentFactory
from tests.patients.factories import PatientFactory

from .conftest import build_record
from .validate import valid

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _appointments(patient, therapist, count: int) -> list:
    return [
        AppointmentFactory(patient=patient, therapist=therapist, start=START + dt.timedelta(days=n))
        for n in range(count)
    ]


def _get(client, url: str, params=None) -> dict:
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    return valid(response.json())


def _links(bundle: dict) -> dict[str, str]:
    return {link["relation"]: link["url"] for link in bundle["link"]}


def _local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def _ids(bundle: dict) -> list[str]:
    return [entry["resource"]["id"] for entry in bundle.get("entry", [])]


def test_it_pages_twenty_at_a_time_with_next_and_previous_links(therapist, therapist_api):
    patient = PatientFactory()
    made = _appointments(patient, therapist, 25)
    url = reverse("interop:search", args=["Appointment"])
    first = _get(therapist_api, url, {"patient": str(patient.public_id)})
    assert len(first["entry"]) == 20
    assert first["type"] == "searchset"
    assert "previous" not in _links(first)
    second = _get(therapist_api, _local(_links(first)["next"]))
    assert len(second["entry"]) == 5
    assert "next" not in _links(second)
    assert _ids(first) + _ids(second) == [str(one.public_id) for one in made]  # by start
    back = _get(therapist_api, _local(_links(second)["previous"]))
    assert _ids(back) == _ids(first)


def test_it_takes_a_smaller_page_and_caps_a_larger_one(therapist, therapist_api):
    patient = PatientFactory()
    _appointments(patient, therapist, 3)
    url = reverse("interop:search", args=["Appointment"])
    bundle = _get(therapist_api, url, {"patient": str(patient.public_id), "_count": "2"})
    assert len(bundle["entry"]) == 2
    assert "next" in _links(bundle)
    bundle = _get(therapist_api, url, {"patient": str(patient.public_id), "_count": "5000"})
    assert "_count=100" in _links(bundle)["self"]


def test_it_filters_by_date_with_prefixes(therapist, therapist_api):
    patient = PatientFactory()
    made = _appointments(patient, therapist, 10)  # 2 to 11 March
    url = reverse("interop:search", args=["Appointment"])
    query = f"{url}?patient={patient.public_id}&date=ge2026-03-04&date=lt2026-03-07"
    assert _ids(_get(therapist_api, query)) == [str(one.public_id) for one in made[2:5]]
    exact = _get(therapist_api, url, {"patient": str(patient.public_id), "date": "2026-03-05"})
    assert _ids(exact) == [str(made[3].public_id)]
    # the next link keeps the filters
    small = _get(therapist_api, f"{query}&_count=1")
    assert "date=ge2026-03-04" in _links(small)["next"]


def test_it_pages_observations_across_assessments_and_re_tests(record, therapist_api):
    url = reverse("interop:search", args=["Observation"])
    seen: list[str] = []
    page = _get(therapist_api, url, {"patient": str(record.patient.public_id), "_count": "4"})
    while True:
        seen += _ids(page)
        if "next" not in _links(page):
            break
        page = _get(therapist_api, _local(_links(page)["next"]))
    assert len(seen) == len(set(seen)) == 8 + 3  # the intake's 8 measures, 3 re-test values
    later = _get(
        therapist_api,
        url,
        {
            "patient": str(record.patient.public_id),
            "date": f"ge{timezone.localdate() - dt.timedelta(days=1)}",
        },
    )
    assert len(_ids(later)) == 3  # only today's session re-tests


#: Queries of one search page, whatever it holds: the token lookup, the page, and the audit
#: trail's one INSERT for every patient on the page.
SEARCH_QUERIES = 3
#: Observation: the token, the page's (row, measure) pairs, the assessments and the re-tests
#: on the page, the audit INSERT.
OBSERVATION_QUERIES = 5


@pytest.mark.parametrize(
    "resource_type",
    [
        "Patient",
        "Appointment",
        "Encounter",
        "CarePlan",
        "Condition",
        "EpisodeOfCare",
        "QuestionnaireResponse",
    ],
)
def test_it_reads_a_page_in_a_fixed_number_of_queries(
    therapist, therapist_api, django_assert_num_queries, resource_type
):
    url = reverse("interop:search", args=[resource_type])
    build_record(therapist=therapist, first_name="One")
    with django_assert_num_queries(SEARCH_QUERIES):
        small = therapist_api.get(url)
    for n in range(3):
        build_record(therapist=therapist, first_name=f"More{n}")
    with django_assert_num_queries(SEARCH_QUERIES):
        large = therapist_api.get(url)
    assert len(large.json()["entry"]) > len(small.json()["entry"])


def test_it_reads_a_page_of_observations_in_a_fixed_number_of_queries(
    therapist, therapist_api, django_assert_num_queries
):
    url = reverse("interop:search", args=["Observation"])
    build_record(therapist=therapist, first_name="One")
    with django_assert_num_queries(OBSERVATION_QUERIES):
        small = therapist_api.get(url)
    build_record(therapist=therapist, first_name="Two")
    with django_assert_num_queries(OBSERVATION_QUERIES):
        large = therapist_api.get(url, {"_count": "100"})
    assert len(large.json()["entry"]) > len(small.json()["entry"])


def test_it_reads_one_resource_in_three_queries(record, therapist_api, django_assert_num_queries):
    # the token, the row with what it shows, the audit INSERT
    url = reverse("interop:read", args=["Encounter", record.session.public_id])
    with django_assert_num_queries(3):
        assert therapist_api.get(url).status_code == 200
