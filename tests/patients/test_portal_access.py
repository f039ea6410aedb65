"""Staff pages offer "Invite to the portal" only while the patient cannot sign in; once the
patient has a portal login, the pages show that account instead (issue 12, item 22)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from clinic.models import User
from tests.conftest import make_user
from tests.exercises.factories import published_plan
from tests.patients.factories import EpisodeFactory, PatientFactory

pytestmark = pytest.mark.django_db

INVITE = "Invite to the portal"


@pytest.fixture
def linked(therapist):
    user = make_user("ada@runners.example", User.Role.PATIENT)
    patient = PatientFactory(user=user, first_name="Ada")
    episode = EpisodeFactory(patient=patient)
    plan = published_plan(therapist=therapist, episode=episode)
    return patient, episode, plan


def pages(patient, episode, plan) -> dict[str, str]:
    return {
        "patient page": reverse("patients:detail", args=[patient.public_id]),
        "episode plans": reverse("exercises:episode_plans", args=[episode.public_id]),
        "plan page": reverse("exercises:plan_detail", args=[plan.public_id]),
    }


def test_it_shows_the_linked_account_instead_of_the_invitation(therapist_client, linked):
    for name, url in pages(*linked).items():
        html = therapist_client.get(url).content.decode()
        assert INVITE not in html, name
        assert "Portal account: <span" in html, name
        assert "ada@runners.example" in html, name


def test_it_offers_the_invitation_to_a_patient_without_a_login(therapist_client, therapist):
    patient = PatientFactory()
    episode = EpisodeFactory(patient=patient)
    plan = published_plan(therapist=therapist, episode=episode)
    for name, url in pages(patient, episode, plan).items():
        html = therapist_client.get(url).content.decode()
        assert INVITE in html, name
        assert reverse("portal:invite", args=[patient.public_id]) in html, name


def test_it_offers_the_invitation_again_until_the_patient_chooses_a_password(
    therapist_client, linked
):
    patient = linked[0]
    patient.user.set_unusable_password()  # invited: the account exists, with no password yet
    patient.user.save()
    html = therapist_client.get(pages(*linked)["plan page"]).content.decode()
    assert "Invite to the portal again" in html
    html = therapist_client.get(pages(*linked)["patient page"]).content.decode()
    assert "Invited, no password yet" in html
