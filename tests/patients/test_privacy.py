"""The manager can export everything about a patient and erase their identifiers."""

import datetime as dt
import json

import pytest
from django.urls import reverse

from clinic.models import AuditEvent, User
from patients.models import Patient
from patients.services import episode_open


@pytest.fixture
def patient(db, patient_user):
    patient = Patient.objects.create(
        first_name="Morgan",
        last_name="Hills",
        date_of_birth=dt.date(1979, 8, 14),
        email="morgan@runner.example",
        phone="+447700900456",
        user=patient_user,
    )
    episode_open(patient=patient, side="right", started_on=dt.date(2026, 2, 1))
    return patient


@pytest.mark.django_db
def test_it_exports_the_patient_with_every_linked_record(manager_client, patient):
    response = manager_client.post(reverse("patients:privacy-export", args=[patient.public_id]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    document = json.loads(response.content)
    assert document["patient"]["last_name"] == "Hills"
    assert document["portal_account"]["email"] == patient.user.email
    assert len(document["records"]["patients.Episode"]) == 1
    assert (
        "patients.HistoricalPatient" in document["records"]
        or "patients.HistoricalEpisode" in document["records"]
    )
    assert "password" not in response.content.decode()
    assert AuditEvent.objects.filter(action="export", patient=patient).count() == 1


@pytest.mark.django_db
def test_it_erases_identifiers_but_keeps_the_clinical_record(manager_client, patient):
    page = manager_client.post(
        reverse("patients:privacy", args=[patient.public_id]),
        {"reason": "Written request of 1 March", "confirm": "on"},
    )
    assert page.status_code == 302
    patient.refresh_from_db()
    assert patient.first_name == "Erased"
    assert "Hills" not in patient.full_name
    assert patient.email == ""
    assert str(patient.phone) == ""
    assert patient.date_of_birth == dt.date(1979, 1, 1)
    assert patient.archived_at is not None
    assert patient.episodes.count() == 1
    assert not patient.history.filter(last_name="Hills").exists()
    account = User.objects.get(pk=patient.user_id)
    assert not account.is_active
    assert not account.has_usable_password()
    assert "morgan" not in account.email
    event = AuditEvent.objects.get(action="erase", patient=patient)
    assert event.detail == {"reason": "Written request of 1 March"}


@pytest.mark.django_db
def test_it_asks_for_confirmation_before_erasing(manager_client, patient):
    page = manager_client.post(
        reverse("patients:privacy", args=[patient.public_id]), {"reason": "asked"}
    )
    assert page.status_code == 200
    assert "This field is required" in page.content.decode()
    patient.refresh_from_db()
    assert patient.last_name == "Hills"


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["therapist_client", "reception_client"])
def test_it_keeps_privacy_tools_for_the_manager(request, who, patient):
    client = request.getfixturevalue(who)
    assert client.get(reverse("patients:privacy", args=[patient.public_id])).status_code == 403
    assert (
        client.post(reverse("patients:privacy-export", args=[patient.public_id])).status_code == 403
    )


@pytest.mark.django_db
def test_it_answers_404_for_an_unknown_patient(manager_client):
    assert manager_client.get("/privacy/00000000-0000-0000-0000-000000000000/").status_code == 404


def _requests_and_screens(patient):
    from bookings.requests.models import BookingRequest, UrgentScreen

    first = BookingRequest.objects.create(
        first_name="Morgan",
        last_name="Hills",
        date_of_birth=dt.date(1979, 8, 14),
        email="MORGAN@runner.example",
        phone="+447700900456",
        reason="Hamstring pain after hill repeats",
        status="declined",
        decline_reason="Full this month",
    )
    # Same email, another birth date: someone else using a shared address. Never theirs.
    stranger = BookingRequest.objects.create(
        first_name="Sam",
        last_name="Hills",
        date_of_birth=dt.date(2008, 5, 1),
        email="morgan@runner.example",
        phone="+447700900999",
        reason="Knee pain",
    )
    screen = UrgentScreen.objects.create(
        speed="emergency", symptoms=["saddle_numbness"], name="M Hills", phone="+447700900456"
    )
    other_screen = UrgentScreen.objects.create(
        speed="same_day", symptoms=["hot_calf"], name="Pat Jones", phone="+447700900456"
    )
    return first, stranger, screen, other_screen


@pytest.mark.django_db
def test_it_exports_requests_and_urgent_screens_sent_before_the_record_existed(
    manager_client, patient
):
    first, _stranger, screen, _other_screen = _requests_and_screens(patient)
    response = manager_client.post(reverse("patients:privacy-export", args=[patient.public_id]))
    records = json.loads(response.content)["records"]
    assert [row["id"] for row in records["bookings.BookingRequest"]] == [first.pk]
    assert [row["id"] for row in records["bookings.UrgentScreen"]] == [screen.pk]
    assert "Sam" not in response.content.decode()
    assert "Pat Jones" not in response.content.decode()


@pytest.mark.django_db
def test_it_erases_the_persons_details_from_their_requests_and_screens_and_keeps_the_symptoms(
    manager_client, patient
):
    first, stranger, screen, other_screen = _requests_and_screens(patient)
    manager_client.post(
        reverse("patients:privacy", args=[patient.public_id]),
        {"reason": "Written request of 1 March", "confirm": "on"},
    )
    for row in (first, stranger, screen, other_screen):
        row.refresh_from_db()
    assert (first.first_name, first.email, str(first.phone)) == ("Erased", "", "")
    assert first.date_of_birth == dt.date(1979, 1, 1)
    assert first.reason == "Hamstring pain after hill repeats"
    assert not first.history.filter(last_name="Hills").exists()
    assert (screen.name, str(screen.phone), screen.symptoms) == ("", "", ["saddle_numbness"])
    assert not screen.history.exclude(name="").exists()
    # Other people's rows are untouched.
    assert (stranger.first_name, stranger.email) == ("Sam", "morgan@runner.example")
    assert other_screen.name == "Pat Jones"
