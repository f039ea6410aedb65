"""A page of the patient search, read through SQL compiled once per shape of query, shows the
same patients, in the same order, as the ORM's query of the whole search; the search form tells
a staff member next to the box what is wrong with a query."""

import pytest
from django.urls import reverse
from django.utils import timezone

from patients.selectors import PREPARED_PAGES, patients_search, patients_search_page
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def crowd():
    PatientFactory.create_batch(7, last_name="Okafor", phone="+447912345678")
    PatientFactory(last_name="Okafor", archived_at=timezone.now())
    PatientFactory.create_batch(3, first_name="Ada", last_name="Okafor")
    PatientFactory(first_name="Per%ce_nt", last_name="Okafor")  # LIKE's wildcards as text
    PatientFactory(first_name="Perxcent", last_name="Okafor")
    PatientFactory(last_name="Elsewhere")


@pytest.mark.parametrize(
    "query",
    ["okaf", "ada okafor", "07912 345678", "%ce_", "e", "", "a b c d", "okafor ada okafor ada"],
)
@pytest.mark.parametrize("archived", [False, True])
def test_every_page_shows_what_the_whole_search_shows_there(therapist, crowd, query, archived):
    size = 2
    everyone = list(patients_search(user=therapist, query=query, include_archived=archived))
    pages = (len(everyone) + size - 1) // size
    # Past the pages compiled once too (the ORM's query), where the search has that many.
    assert pages > PREPARED_PAGES or " " in query or query == "%ce_"
    for number in range(1, max(pages, 1) + 1):
        page = patients_search_page(
            user=therapist, query=query, include_archived=archived, number=number, size=size
        )
        assert list(page.object_list) == everyone[(number - 1) * size : number * size]
        assert page.paginator.count == len(everyone)


def test_wildcards_in_a_query_are_taken_as_text(therapist, crowd):
    page = patients_search_page(user=therapist, query="%ce_", number=1, size=25)
    assert [patient.first_name for patient in page.object_list] == ["Per%ce_nt"]


def test_the_list_shows_each_phone_in_international_form(therapist_client, crowd):
    content = therapist_client.get(reverse("patients:list"), {"q": "okaf"}).content.decode()
    assert content.count("+44 7912 345678") == 7


def test_a_query_too_long_is_explained_next_to_the_box(therapist_client, crowd):
    response = therapist_client.get(reverse("patients:list"), {"q": "x" * 101})
    content = response.content.decode()
    assert response.status_code == 200
    assert 'aria-describedby="id_q_error"' in content
    assert 'id="id_q_error" class="invalid-feedback"' in content
    assert "at most 100 characters" in content
    assert 'name="q" value="' + "x" * 101 + '"' in content


def test_the_archived_box_stays_ticked(therapist_client, crowd):
    ticked = therapist_client.get(reverse("patients:list"), {"archived": "on"}).content.decode()
    assert 'id="id_archived" checked>' in ticked
    plain = therapist_client.get(reverse("patients:list")).content.decode()
    assert 'id="id_archived">' in plain
