"""Inviting a patient: a one-time link, valid for 72 hours, that sets their password."""

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from clinic.models import User
from portal.models import Invitation
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)
NEW_PASSWORD = "long-stride-downhill-42"


def invite(client, patient, email=None, capture=None):
    with capture(execute=True):
        return client.post(
            reverse("portal:invite", args=[patient.public_id]),
            {"email": email or patient.email},
        )


def link_from_outbox() -> str:
    return re.search(r"https?://\S+/portal/welcome/\S+/", mail.outbox[-1].body).group(0)


def path_of(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def set_password(client, path):
    return client.post(path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})


def test_it_creates_a_portal_login_and_emails_a_link(
    therapist_client, django_capture_on_commit_callbacks
):
    patient = PatientFactory(email="ada@runners.example")
    response = invite(therapist_client, patient, capture=django_capture_on_commit_callbacks)
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.user.email == "ada@runners.example"
    assert patient.user.role == User.Role.PATIENT
    assert not patient.user.has_usable_password()
    assert mail.outbox[-1].to == ["ada@runners.example"]
    token = link_from_outbox().rstrip("/").rsplit("/", 1)[1]
    assert token not in Invitation.objects.get().token_hash  # only a hash is stored


def test_it_lets_the_patient_set_a_password_once(
    client, therapist, django_capture_on_commit_callbacks
):
    patient = PatientFactory()
    client.force_login(therapist)
    invite(client, patient, capture=django_capture_on_commit_callbacks)
    client.logout()
    path = path_of(link_from_outbox())
    assert client.get(path).status_code == 200
    response = set_password(client, path)
    assert response.url == reverse("portal:home")
    patient.refresh_from_db()
    assert patient.user.check_password(NEW_PASSWORD)
    assert client.get(reverse("portal:home")).status_code == 200  # signed in

    client.logout()
    reused = client.get(path)
    assert reused.status_code == 410
    assert "already been used" in reused.content.decode()
    assert set_password(client, path).status_code == 410


def test_it_refuses_an_expired_link(client, therapist, django_capture_on_commit_callbacks):
    patient = PatientFactory()
    client.force_login(therapist)
    with time_machine.travel(NOW, tick=False):
        invite(client, patient, capture=django_capture_on_commit_callbacks)
    client.logout()
    path = path_of(link_from_outbox())
    with time_machine.travel(NOW + dt.timedelta(hours=71, minutes=59), tick=False):
        assert client.get(path).status_code == 200
    with time_machine.travel(NOW + dt.timedelta(hours=72), tick=False):
        response = set_password(client, path)
    assert response.status_code == 410
    assert "run out" in response.content.decode()
    patient.refresh_from_db()
    assert not patient.user.has_usable_password()


def test_it_shows_a_friendly_page_for_an_unknown_link(client):
    response = client.get(reverse("portal:welcome", args=["not-a-real-token"]))
    assert response.status_code == 404
    assert "could not find this invitation" in response.content.decode()


def test_it_cancels_the_earlier_link_when_inviting_again(
    client, therapist, django_capture_on_commit_callbacks
):
    patient = PatientFactory()
    client.force_login(therapist)
    invite(client, patient, capture=django_capture_on_commit_callbacks)
    first = path_of(link_from_outbox())
    invite(client, patient, capture=django_capture_on_commit_callbacks)
    second = path_of(link_from_outbox())
    client.logout()
    assert client.get(first).status_code == 410
    assert client.get(second).status_code == 200
    patient.refresh_from_db()
    assert User.objects.filter(email=patient.email).count() == 1


def test_it_rejects_a_weak_password_with_a_message(
    client, therapist, django_capture_on_commit_callbacks
):
    patient = PatientFactory()
    client.force_login(therapist)
    invite(client, patient, capture=django_capture_on_commit_callbacks)
    client.logout()
    path = path_of(link_from_outbox())
    response = client.post(path, {"new_password1": "12345678", "new_password2": "12345678"})
    assert response.status_code == 200
    assert "too common" in response.content.decode()
    assert Invitation.objects.get().used_at is None  # the link still works


def test_it_refuses_an_email_that_belongs_to_a_staff_account(
    therapist_client, reception, django_capture_on_commit_callbacks
):
    patient = PatientFactory()
    response = invite(
        therapist_client, patient, email=reception.email, capture=django_capture_on_commit_callbacks
    )
    assert response.status_code == 200
    assert "already has an account" in response.content.decode()
    patient.refresh_from_db()
    assert patient.user is None
    assert not mail.outbox


def test_it_lets_only_clinical_staff_invite(client, reception, patient_user):
    patient = PatientFactory()
    url = reverse("portal:invite", args=[patient.public_id])
    assert client.get(url).status_code == 302
    for user in (reception, patient_user):
        client.force_login(user)
        assert client.post(url, {"email": "x@runners.example"}).status_code == 403
    assert not Invitation.objects.exists()


def test_it_links_an_existing_unlinked_patient_login(
    therapist_client, patient_user, django_capture_on_commit_callbacks
):
    patient = PatientFactory()
    invite(
        therapist_client,
        patient,
        email=patient_user.email,
        capture=django_capture_on_commit_callbacks,
    )
    patient.refresh_from_db()
    assert patient.user == patient_user


def test_it_refuses_another_patients_login(
    therapist_client, patient_user, django_capture_on_commit_callbacks
):
    PatientFactory(user=patient_user)
    patient = PatientFactory()
    response = invite(
        therapist_client,
        patient,
        email=patient_user.email,
        capture=django_capture_on_commit_callbacks,
    )
    assert "already has an account" in response.content.decode()
    patient.refresh_from_db()
    assert patient.user is None


@pytest.mark.parametrize("earlier", [1, 4])
def test_it_shows_the_invite_page_in_a_fixed_number_of_queries(
    therapist_client, therapist, django_assert_num_queries, earlier
):
    from portal.services import invitation_create

    patient = PatientFactory()
    for _ in range(earlier):
        invitation_create(patient=patient, email=patient.email, invited_by=therapist)
    patient.refresh_from_db()
    # Queries: session, user, patient joined with its portal login, recent invitations with
    # senders; then the staff idle-timeout session save (savepoint, update, release).
    with django_assert_num_queries(8):  # the last query: the audit event INSERT
        therapist_client.get(reverse("portal:invite", args=[patient.public_id]))
