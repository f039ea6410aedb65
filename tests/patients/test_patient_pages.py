"""Registering, editing, searching, paging and archiving patients, and who may do it."""

import datetime as dt

import pytest
from django.urls import reverse

from patients.models import Patient
from patients.services import episode_open
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

VALID = {
    "first_name": "Ada",
    "last_name": "Fleetfoot",
    "date_of_birth": "1990-03-04",
    "sex": "female",
    "email": "ada@runners.example",
    "phone": "07912 345678",
    "preferred_contact": "email",
    "time_zone": "Europe/Paris",
    "runner_level": "club",
    "weekly_km": "50",
    "main_terrain": "road",
    "goal_event": "Berlin marathon",
    "goal_date": "2027-09-26",
    "email_reminders_consent": "on",
}


@pytest.mark.parametrize("client_fixture", ["therapist_client", "reception_client"])
def test_it_registers_a_patient_with_the_phone_in_international_form(request, client_fixture):
    client = request.getfixturevalue(client_fixture)
    response = client.post(reverse("patients:create"), VALID)
    patient = Patient.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("patients:detail", args=[patient.public_id])
    assert str(patient.phone) == "+447912345678"
    assert patient.time_zone == "Europe/Paris"
    assert patient.created_by is not None


def test_it_shows_field_errors_for_a_bad_phone_and_time_zone(therapist_client):
    data = {**VALID, "phone": "12", "time_zone": "CET+1"}
    response = therapist_client.post(reverse("patients:create"), data)
    assert response.status_code == 200
    form = response.context["form"]
    assert "phone" in form.errors
    assert "time_zone" in form.errors
    assert not Patient.objects.exists()


def test_it_needs_an_email_to_contact_by_email(therapist_client):
    data = {**VALID, "email": "", "email_reminders_consent": ""}
    response = therapist_client.post(reverse("patients:create"), data)
    assert "email" in response.context["form"].errors


def test_it_edits_a_patient_and_keeps_history(therapist_client):
    patient = PatientFactory()
    response = therapist_client.post(
        reverse("patients:edit", args=[patient.public_id]), {**VALID, "last_name": "Swift"}
    )
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.last_name == "Swift"
    assert patient.history.count() == 2


def test_it_archives_instead_of_deleting_and_can_restore(therapist_client):
    patient = PatientFactory(first_name="Hidden")
    therapist_client.post(reverse("patients:archive", args=[patient.public_id]))
    patient.refresh_from_db()
    assert patient.is_archived
    listing = therapist_client.get(reverse("patients:list"))
    assert patient not in listing.context["page"].object_list
    with_archived = therapist_client.get(reverse("patients:list"), {"archived": "on"})
    assert patient in with_archived.context["page"].object_list
    therapist_client.post(reverse("patients:restore", args=[patient.public_id]))
    patient.refresh_from_db()
    assert not patient.is_archived
    assert Patient.objects.count() == 1


def test_it_refuses_to_archive_by_get(therapist_client):
    patient = PatientFactory()
    response = therapist_client.get(reverse("patients:archive", args=[patient.public_id]))
    assert response.status_code == 405
    patient.refresh_from_db()
    assert not patient.is_archived


def test_it_pages_the_patient_list_by_25(therapist_client):
    PatientFactory.create_batch(30)
    first = therapist_client.get(reverse("patients:list"))
    second = therapist_client.get(reverse("patients:list"), {"page": 2})
    assert len(first.context["page"].object_list) == 25
    assert len(second.context["page"].object_list) == 5


@pytest.mark.parametrize("rows", [1, 30])
def test_it_lists_patients_in_a_fixed_number_of_queries(
    therapist_client, django_assert_num_queries, rows
):
    PatientFactory.create_batch(rows)
    # session, user, the page of patients with how many there are in all (a window count),
    # then savepoint + session update + release (sessions are saved on every request)
    with django_assert_num_queries(6):
        response = therapist_client.get(reverse("patients:list"))
    assert response.status_code == 200


def test_it_shows_the_patient_page_with_episodes_to_reception_without_clinical_links(
    reception_client,
):
    patient = PatientFactory(phone="+447700900999")
    episode_open(patient=patient, side="right", started_on=dt.date(2025, 5, 1))
    response = reception_client.get(reverse("patients:detail", args=[patient.public_id]))
    content = response.content.decode()
    assert "+44 7700 900999" in content
    assert "Episodes: 1" in content
    assert "Record intake" not in content
    assert "New episode" not in content


def test_it_lets_a_therapist_open_and_discharge_an_episode(therapist_client):
    patient = PatientFactory()
    therapist_client.post(
        reverse("patients:episode_create", args=[patient.public_id]),
        {"side": "left", "started_on": "2026-01-05"},
    )
    episode = patient.episodes.get()
    assert episode.number == 1
    response = therapist_client.post(
        reverse("patients:episode_discharge", args=[episode.public_id]),
        {"discharged_on": "2026-01-04", "outcome": "resolved"},
    )
    assert "discharged_on" in response.context["form"].errors
    therapist_client.post(
        reverse("patients:episode_discharge", args=[episode.public_id]),
        {"discharged_on": "2026-02-01", "outcome": "resolved", "outcome_note": "Racing again"},
    )
    episode.refresh_from_db()
    assert episode.status == "discharged"
    assert episode.outcome == "resolved"


def test_it_does_not_let_reception_open_episodes(reception_client):
    patient = PatientFactory()
    response = reception_client.post(
        reverse("patients:episode_create", args=[patient.public_id]),
        {"side": "left", "started_on": "2026-01-05"},
    )
    assert response.status_code == 403
    assert not patient.episodes.exists()


@pytest.mark.parametrize(
    "url_name", ["patients:list", "patients:create", "patients:detail", "patients:edit"]
)
def test_it_keeps_patients_and_anonymous_visitors_off_staff_pages(client, patient_user, url_name):
    patient = PatientFactory(user=patient_user)
    args = [] if url_name in ("patients:list", "patients:create") else [patient.public_id]
    url = reverse(url_name, args=args)
    anonymous = client.get(url)
    assert anonymous.status_code == 302
    assert anonymous.url.startswith(reverse("login"))
    client.force_login(patient_user)
    assert client.get(url).status_code == 404  # not theirs: a patient meets a 404


def test_it_gives_404_for_an_unknown_patient(therapist_client):
    url = reverse("patients:detail", args=["00000000-0000-0000-0000-000000000000"])
    assert therapist_client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("asked", "shown", "rows"),
    [
        ("2", 2, 5),
        ("99", 2, 5),
        ("9" * 30, 2, 5),
        ("0", 2, 5),
        ("-3", 2, 5),
        ("two", 1, 25),
        ("", 1, 25),
    ],
)
def test_it_numbers_the_list_pages_as_before(therapist_client, asked, shown, rows):
    # A number past the end or below 1 shows the last page; anything else not a number the
    # first, and the heading says how many pages the whole search has.
    PatientFactory.create_batch(30, last_name="Okafor")
    response = therapist_client.get(reverse("patients:list"), {"q": "okaf", "page": asked})
    page = response.context["page"]
    assert (page.number, len(page.object_list)) == (shown, rows)
    assert f"Page {shown} of 2" in response.content.decode()


def test_it_tells_an_empty_search_from_an_empty_page(therapist_client):
    PatientFactory(last_name="Okafor")
    response = therapist_client.get(reverse("patients:list"), {"q": "zzq", "page": "3"})
    assert response.context["page"].paginator.count == 0
    assert "No patient matches" in response.content.decode()
