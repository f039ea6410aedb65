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


@pytest.mark.parametrize(
    "data",
    [
        "",
        "q=",
        "q=%20%20",
        "q=okaf",
        "q=%20ada%20okafor%20",
        "q=%3Cb%3E%22x%22%26amp%3B%27",
        "q=" + "x" * 100,
        "q=%20" + "y" * 100 + "%20",
        "q=" + "x" * 101,
        "q=a%00b",
        "q=a&q=b",
        "q=a&q=",
        "archived=on",
        "archived=1",
        "archived=0",
        "archived=false",
        "archived=FALSE",
        "archived=true",
        "archived=",
        "archived=on&archived=false",
        "q=okaf&archived=on&page=2",
        "page=3&other=x",
        "q=%C3%BC%E2%84%A6&archived=on",
    ],
)
def test_a_valid_query_is_read_and_drawn_as_the_bound_form_reads_and_draws_it(data):
    from django.http import QueryDict

    from patients.forms import PatientSearchForm
    from patients.templatetags.patient_list_tags import search_field

    given = QueryDict(data)
    form = PatientSearchForm(given or None)
    plain = PatientSearchForm.read(given)
    if not form.is_bound or form.is_valid():
        expected = form.cleaned_data if form.is_bound else {"q": "", "archived": False}
        assert plain is not None
        assert (plain.query, plain.include_archived) == (expected["q"], expected["archived"])
        assert search_field(plain.q) == search_field(form["q"])
        assert search_field(plain.archived) == search_field(form["archived"])
    else:
        assert plain is None  # the view builds the form, which shows the error


def test_an_invalid_query_searches_for_nothing_and_keeps_the_form(therapist_client, crowd):
    response = therapist_client.get(reverse("patients:list"), {"q": "a\x00b", "archived": "on"})
    content = response.content.decode()
    assert "Null characters are not allowed." in content
    assert 'id="id_archived" checked>' in content
    assert response.context["query"] == ""
