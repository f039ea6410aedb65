"""Two-step sign-in: who may pair an app or get recovery codes, and how wrong codes are slowed.

The attack these tests replay: a staff member's password is known to someone else, who signs
in with it, opens the pairing page (exempt from the second-step check) and pairs their own
phone, ending fully signed in with the real recovery codes replaced.
"""

import datetime as dt
import secrets
from urllib.parse import unquote

import pytest
import time_machine
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic.models import AuditEvent
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

SETUP = "/accounts/2fa/setup/"
VERIFY = "/accounts/2fa/verify/"
RECOVERY = ["aaaa000001", "aaaa000002", "aaaa000003"]


def _code(key: bytes) -> str:
    return f"{totp(key):06d}"


def _later(seconds: int):
    """Move the clock on: a TOTP code is accepted once, and throttling waits are real time."""
    return time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=seconds))


@pytest.fixture(autouse=True)
def _two_factor_on(settings):
    settings.STAFF_2FA_REQUIRED = True


@pytest.fixture
def paired(therapist) -> TOTPDevice:
    """The therapist's own phone, paired, and their recovery codes."""
    device = TOTPDevice.objects.create(user=therapist, name="Authenticator app", confirmed=True)
    static = StaticDevice.objects.create(user=therapist, name="Recovery codes")
    StaticToken.objects.bulk_create(StaticToken(device=static, token=t) for t in RECOVERY)
    return device


def _sign_in_with_password(client, user) -> None:
    response = client.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302


def _factors(user) -> dict:
    return {
        "apps": sorted(
            TOTPDevice.objects.filter(user=user).values_list("key", "confirmed", "name")
        ),
        "recovery": sorted(
            StaticToken.objects.filter(device__user=user).values_list("token", flat=True)
        ),
    }


def test_it_refuses_to_pair_a_new_app_on_a_password_only_session(client, therapist, paired):
    _sign_in_with_password(client, therapist)
    before = _factors(therapist)

    page = client.get(SETUP)
    assert page.status_code == 403
    text = page.content.decode()
    assert "already has two-step sign-in" in text
    assert "first enter a code from the app you already use" in text
    assert 'href="/accounts/2fa/verify/?next=/accounts/2fa/setup/"' in unquote(text)
    assert "otpauth" not in text  # no secret handed out

    # The attacker types a code from a secret of their own choosing.
    their_key = secrets.token_bytes(20)
    for key in (their_key, paired.bin_key):
        attempt = client.post(SETUP, {"token": _code(key), "new_recovery_codes": "on"})
        assert attempt.status_code == 403

    assert _factors(therapist) == before
    assert client.get("/dashboard/")["Location"].startswith(VERIFY)  # still not signed in
    assert AuditEvent.objects.filter(detail__event__startswith="two_factor").count() == 0


def test_it_lets_a_verified_user_add_a_second_app(
    client, therapist, paired, mailoutbox, django_capture_on_commit_callbacks
):
    _sign_in_with_password(client, therapist)
    assert client.post(VERIFY, {"token": _code(paired.bin_key)}).status_code == 302
    page = client.get(SETUP)
    assert page.status_code == 200
    assert "Add an authenticator app" in page.content.decode()
    new = TOTPDevice.objects.get(user=therapist, confirmed=False)

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(SETUP, {"token": _code(new.bin_key), "next": "/dashboard/"})
    assert done.status_code == 302
    assert done["Location"] == "/dashboard/"

    assert TOTPDevice.objects.filter(user=therapist, confirmed=True).count() == 2
    assert _factors(therapist)["recovery"] == RECOVERY  # not asked for, so not replaced
    event = AuditEvent.objects.get(detail__event="two_factor_app_added")
    assert (event.actor_id, event.action, event.object_type) == (
        therapist.pk,
        "create",
        "otp_totp.totpdevice",
    )
    assert [m.to for m in mailoutbox] == [[therapist.email]]
    assert "An authenticator app was added to your account" in mailoutbox[0].body
    assert "If it was not you" in mailoutbox[0].body
    # The first phone still works at the next sign-in.
    client.post(reverse("logout"))
    _sign_in_with_password(client, therapist)
    with _later(60):
        assert client.post(VERIFY, {"token": _code(paired.bin_key)}).status_code == 302


def test_it_replaces_recovery_codes_only_for_a_verified_user_who_asks(
    client, therapist, paired, mailoutbox, django_capture_on_commit_callbacks
):
    _sign_in_with_password(client, therapist)
    client.post(VERIFY, {"token": RECOVERY[0]})
    client.get(SETUP)
    new = TOTPDevice.objects.get(user=therapist, confirmed=False)

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(SETUP, {"token": _code(new.bin_key), "new_recovery_codes": "on"})
    assert done.status_code == 200
    codes = done.context["codes"]
    assert len(codes) == 10
    assert _factors(therapist)["recovery"] == sorted(codes)  # the old unused codes are gone
    assert {e.detail.get("event") for e in AuditEvent.objects.filter(actor=therapist)} >= {
        "two_factor_app_added",
        "recovery_codes_issued",
    }
    issued = AuditEvent.objects.get(detail__event="recovery_codes_issued")
    assert issued.detail["unused_codes_replaced"] == 2
    assert len(mailoutbox) == 1  # one message for both changes
    assert "and new recovery codes were issued" in mailoutbox[0].body


def test_it_audits_and_emails_the_first_pairing(
    client, therapist, mailoutbox, django_capture_on_commit_callbacks
):
    _sign_in_with_password(client, therapist)
    assert client.get("/dashboard/")["Location"].startswith(SETUP)
    page = client.get(SETUP)
    assert page.status_code == 200
    assert "new_recovery_codes" not in page.content.decode()  # a first app always gets codes
    device = TOTPDevice.objects.get(user=therapist)

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(SETUP, {"token": _code(device.bin_key)})
    assert len(done.context["codes"]) == 10
    assert client.get("/dashboard/").status_code == 200
    events = AuditEvent.objects.filter(actor=therapist).exclude(detail={})
    assert sorted(e.detail.get("event", "") for e in events) == [
        "recovery_codes_issued",
        "two_factor_app_added",
    ]
    assert all(e.ip_address == "127.0.0.1" for e in events)
    assert len(mailoutbox) == 1
    assert "from the address 127.0.0.1" in mailoutbox[0].body


def test_it_draws_the_qr_code_as_a_standalone_svg(client, therapist):
    """An SVG in a data URI draws only with its namespace declared."""
    _sign_in_with_password(client, therapist)
    qr = client.get(SETUP).context["qr"]
    assert qr.startswith("data:image/svg+xml")
    assert "<svg xmlns='http://www.w3.org/2000/svg'" in unquote(qr).replace('"', "'")


# --- Wrong codes are slowed down ----------------------------------------------------------


def test_it_makes_wrong_codes_wait_longer_each_time_on_verify(client, therapist, paired):
    _sign_in_with_password(client, therapist)
    for failure, wait in enumerate([1, 2, 4, 8], start=1):
        with _later(60 * failure):
            wrong = client.post(VERIFY, {"token": "000000"})
            assert "didn&#x27;t match" in wrong.content.decode()
            # Straight after, even the right code is not checked, and the page says why.
            right = client.post(VERIFY, {"token": _code(paired.bin_key)})
            text = right.content.decode()
            assert f"wait {wait} second" in text
            assert "then type the newest code from your app" in text
            assert client.get("/dashboard/")["Location"].startswith(VERIFY)
    # A recovery code is throttled the same way: it cannot be used to skip the wait.
    with _later(4 * 60):
        assert "wait 8 seconds" in client.post(VERIFY, {"token": RECOVERY[0]}).content.decode()
    with _later(4 * 60 + 9):
        assert client.post(VERIFY, {"token": _code(paired.bin_key)}).status_code == 302
    assert client.get("/dashboard/").status_code == 200


def test_it_makes_wrong_codes_wait_on_setup_too(client, therapist):
    _sign_in_with_password(client, therapist)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=therapist)
    for failure, wait in enumerate([1, 2, 4], start=1):
        with _later(60 * failure):
            wrong = client.post(SETUP, {"token": "000000"})
            assert "didn&#x27;t match" in wrong.content.decode()
            right = client.post(SETUP, {"token": _code(device.bin_key)})
            assert f"wait {wait} second" in right.content.decode()
    device.refresh_from_db()
    assert device.confirmed is False
    with _later(60 * 3 + 5):
        done = client.post(SETUP, {"token": _code(device.bin_key)})
    assert len(done.context["codes"]) == 10


def test_it_keeps_django_otp_throttling_on(settings):
    # A factor of 0 would silently turn throttling off.
    assert settings.OTP_TOTP_THROTTLE_FACTOR >= 1
    assert settings.OTP_STATIC_THROTTLE_FACTOR >= 1


def test_it_answers_the_refusal_in_few_queries(
    client, therapist, paired, django_assert_num_queries
):
    _sign_in_with_password(client, therapist)
    client.get(SETUP)  # the staff idle timer's session write happens once a minute
    # The session, the user, and the first device found (user_has_device stops there).
    with django_assert_num_queries(3):
        assert client.get(SETUP).status_code == 403
