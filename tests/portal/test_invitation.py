"""Inviting a patient: a one-time link, valid for 72 hours, that sets their password."""

import datetime as dt
import hashlib
import re
import secrets

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from clinic.models import User
from patients.privacy import patient_erase
from patients.services import patient_archive
from portal import services
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
    for user, refused in ((reception, 403), (patient_user, 404)):
        client.force_login(user)
        assert client.post(url, {"email": "x@runners.example"}).status_code == refused
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


@pytest.fixture
def invited(client, therapist, django_capture_on_commit_callbacks):
    """A patient with an unused invitation; returns the patient and the link's path."""
    patient = PatientFactory()
    client.force_login(therapist)
    invite(client, patient, capture=django_capture_on_commit_callbacks)
    client.logout()
    patient.refresh_from_db()
    return patient, path_of(link_from_outbox())


def guesses(real_path: str, other_patient) -> list[str]:
    token = real_path.rstrip("/").rsplit("/", 1)[1]
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    welcome = "/portal/welcome/{}/"
    return [
        welcome.format(secrets.token_urlsafe(32)),  # a random guess
        welcome.format(other_patient.public_id),  # another patient's id
        welcome.format(other_patient.user_id or 1),
        welcome.format(Invitation.objects.get().token_hash),  # a stolen database row
        welcome.format(flipped),  # one character off
        welcome.format(token.upper() if token.upper() != token else token.lower()),
        welcome.format(token + "x"),
        welcome.format(token[:20]),
        welcome.format("%00"),
        welcome.format("%ED%A0%80"),  # a UTF-16 surrogate, not valid UTF-8
        welcome.format("a" * 3000),
    ]


def test_it_refuses_guessed_links_with_a_clear_page(client, invited):
    patient, real = invited
    other = PatientFactory()
    for path in guesses(real, other):
        for response in (client.get(path), set_password(client, path)):
            assert response.status_code == 404, path
            assert "could not find this invitation" in response.content.decode(), path
    patient.refresh_from_db()
    assert not patient.user.has_usable_password()
    assert Invitation.objects.get().used_at is None
    assert client.get(real).status_code == 200  # guessing does not spoil the real link


def test_it_uses_a_link_once_even_from_two_open_tabs(client, invited):
    patient, path = invited
    first_tab = services.invitation_for_token(token=path.rstrip("/").rsplit("/", 1)[1])
    second_tab = services.invitation_for_token(token=path.rstrip("/").rsplit("/", 1)[1])
    services.invitation_accept(invitation=first_tab, password=NEW_PASSWORD)
    with pytest.raises(ValidationError):
        services.invitation_accept(invitation=second_tab, password="another-pass-99")
    patient.user.refresh_from_db()
    assert patient.user.check_password(NEW_PASSWORD)
    response = client.post(path, {"new_password1": "x-1-pass-99", "new_password2": "x-1-pass-99"})
    assert response.status_code == 410
    assert "already been used" in response.content.decode()


def test_it_refuses_an_expired_link_on_the_page_too(
    client, therapist, django_capture_on_commit_callbacks
):
    patient = PatientFactory()
    client.force_login(therapist)
    with time_machine.travel(NOW, tick=False):
        invite(client, patient, capture=django_capture_on_commit_callbacks)
    client.logout()
    path = path_of(link_from_outbox())
    with time_machine.travel(NOW + dt.timedelta(hours=72, seconds=1), tick=False):
        response = client.get(path)
    assert response.status_code == 410
    assert "run out" in response.content.decode()
    assert "new_password1" not in response.content.decode()


@pytest.mark.parametrize("how", ["archived", "erased"])
def test_it_refuses_a_link_once_the_patient_is_archived_or_erased(client, invited, manager, how):
    """Erasure disables the portal login; an invitation sent earlier must not open it again."""
    patient, path = invited
    if how == "archived":
        patient_archive(patient=patient)
    else:
        patient_erase(patient=patient, user=manager, reason="Asked to be forgotten")
    assert client.get(path).status_code == 410
    response = set_password(client, path)
    assert response.status_code == 410
    assert "withdrawn this invitation" in response.content.decode()
    with pytest.raises(ValidationError):  # the service refuses too, whoever calls it
        services.invitation_accept(invitation=Invitation.objects.get(), password=NEW_PASSWORD)
    patient.user.refresh_from_db()
    assert not patient.user.has_usable_password()
    assert patient.user.is_active == (how == "archived")
    assert "_auth_user_id" not in client.session


def test_it_stores_invitation_tokens_only_as_hashes(invited):
    _, path = invited
    token = path.rstrip("/").rsplit("/", 1)[1]
    (row,) = Invitation.objects.values()
    assert token not in str(row)
    assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
