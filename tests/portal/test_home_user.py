"""The portal home works with the signed-in user itself, out of its lazy wrappers, and keeps
their roles for the view: the same user, the same roles, the same page."""

import pytest
from django.urls import reverse

from clinic.access import PATIENT, has_role, unwrapped_user
from portal.pages import home as home_page
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db


def test_the_home_draws_with_the_signed_in_user_itself(client, patient_user, monkeypatch):
    PatientFactory(user=patient_user, first_name="")
    seen = {}
    real_collect = home_page.panels.collect

    def collect(hook, *, user, patient):
        seen["user"] = user
        return real_collect(hook, user=user, patient=patient)

    monkeypatch.setattr(home_page.panels, "collect", collect)
    client.force_login(patient_user)
    response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    user = seen["user"]
    assert type(user) is type(patient_user)
    assert user.pk == patient_user.pk
    assert has_role(user, [PATIENT])
    assert not has_role(user, ["therapist", "reception"])
    assert response.context["user"] is user
    assert user.is_verified() is False  # django-otp's fields are on the user object itself
    # With no first name on the record, the greeting falls back to the user's.
    assert f"Hello {patient_user.first_name or 'there'}</h1>" in response.content.decode()


def test_unwrapping_a_plain_user_gives_it_back(patient_user):
    assert unwrapped_user(patient_user) is patient_user
