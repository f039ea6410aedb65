"""What every signed-in request checks before it draws a page: the session still names an
active user whose password has not changed since, and a staff member's session still names
their own confirmed two-factor device. The user and the device are read with SQL compiled once
per process (clinic/rows.py, clinic.auth_backends.ModelBackend, clinic.middleware.OTPMiddleware):
these tests pin that none of those checks got weaker on the way."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic.models import User
from clinic.rows import row_by_pk
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _two_factor_on(settings):
    settings.STAFF_2FA_REQUIRED = True


def verified(client, user, device) -> None:
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


def opens_dashboard(client) -> bool:
    response = client.get(reverse("clinic:dashboard"))
    return response.status_code == 200


def test_it_lets_a_verified_therapist_in(client, therapist):
    verified(client, therapist, TOTPDevice.objects.create(user=therapist, name="app"))
    assert opens_dashboard(client)


def test_it_asks_for_the_second_step_again_when_the_device_is_removed(client, therapist):
    device = TOTPDevice.objects.create(user=therapist, name="app")
    verified(client, therapist, device)
    assert opens_dashboard(client)
    device.delete()
    response = client.get(reverse("clinic:dashboard"))
    assert response.status_code == 302
    assert response.url.startswith("/accounts/2fa/")
    assert DEVICE_ID_SESSION_KEY not in client.session


def test_it_refuses_a_device_that_is_not_confirmed(client, therapist):
    verified(client, therapist, TOTPDevice.objects.create(user=therapist, name="app"))
    TOTPDevice.objects.filter(user=therapist).update(confirmed=False)
    assert not opens_dashboard(client)


def test_it_refuses_someone_elses_device(client, therapist, other_therapist):
    verified(client, therapist, TOTPDevice.objects.create(user=other_therapist, name="theirs"))
    assert not opens_dashboard(client)


def test_it_refuses_a_device_id_that_names_no_device_model(client, therapist):
    device = TOTPDevice.objects.create(user=therapist, name="app")
    for forged in ("clinic.user/1", "nothing.here/1", "otp_totp.totpdevice/x", "garbage"):
        verified(client, therapist, device)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = forged.replace("/1", f"/{therapist.pk}")
        session.save()
        assert not opens_dashboard(client), forged


def test_it_signs_other_sessions_out_after_a_password_change(client, therapist):
    from django.test import Client

    device = TOTPDevice.objects.create(user=therapist, name="app")
    other = Client()
    verified(client, therapist, device)
    verified(other, therapist, device)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-long-passphrase-2026",
            "new_password2": "a-new-long-passphrase-2026",
        },
    )
    assert response.status_code == 302
    assert opens_dashboard(client)  # the session that changed it stays signed in
    response = other.get(reverse("clinic:dashboard"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_it_signs_out_a_deactivated_user(client, therapist):
    verified(client, therapist, TOTPDevice.objects.create(user=therapist, name="app"))
    User.objects.filter(pk=therapist.pk).update(is_active=False)
    response = client.get(reverse("clinic:dashboard"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_it_signs_out_a_session_that_names_no_user(client):
    user = make_user("gone@test.example", User.Role.RECEPTION)
    client.force_login(user)
    session = client.session
    session["_auth_user_id"] = str(10**12)
    session.save()
    assert client.get(reverse("clinic:dashboard")).status_code == 302
    assert row_by_pk(User, "not-a-number") is None
    assert row_by_pk(User, 10**12) is None


def test_it_builds_the_same_user_as_the_orm(therapist):
    read = row_by_pk(User, str(therapist.pk))
    expected = User.objects.get(pk=therapist.pk)
    assert read == expected
    assert {f.attname: getattr(read, f.attname) for f in User._meta.concrete_fields} == {
        f.attname: getattr(expected, f.attname) for f in User._meta.concrete_fields
    }
    assert read._state.db == "default"
    assert not read._state.adding
