"""Login throttling, staff two-factor sign-in, security headers and deploy checks."""

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from axes.models import AccessAttempt
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic.models import AuditEvent
from tests.clinic.test_roles import _patient_record
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]


def _login(client, email, password, ip="10.0.0.1"):
    return client.post(reverse("login"), {"username": email, "password": password}, REMOTE_ADDR=ip)


@pytest.mark.django_db
def test_it_locks_out_a_username_and_ip_after_five_failures(client, therapist):
    for _ in range(4):
        assert _login(client, therapist.email, "wrong").status_code == 200
    assert _login(client, therapist.email, "wrong").status_code == 429  # the fifth failure
    locked = _login(client, therapist.email, PASSWORD)
    assert locked.status_code == 429
    assert "Too many failed attempts" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # Another address is not locked out...
    assert _login(client, therapist.email, PASSWORD, ip="10.0.0.2").status_code == 302


PROXY = "10.0.0.5"  # the reverse proxy in front of gunicorn: every request's REMOTE_ADDR
CLINIC = "198.51.100.20"  # the clinic's own connection
ELSEWHERE = "203.0.113.66"  # an attacker somewhere else


def _login_via_proxy(client, email, password, forwarded_for):
    """A login that came through the proxy, which appended the address it saw."""
    return client.post(
        reverse("login"),
        {"username": email, "password": password},
        REMOTE_ADDR=PROXY,
        headers={"X-Forwarded-For": forwarded_for},
    )


@pytest.mark.django_db
def test_it_locks_out_only_the_attackers_address_behind_a_trusted_proxy(
    client, therapist, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    # The attacker even claims to be the clinic; the proxy appends their real address.
    for _ in range(5):
        _login_via_proxy(client, therapist.email, "wrong", f"{CLINIC}, {ELSEWHERE}")
    assert _login_via_proxy(client, therapist.email, PASSWORD, ELSEWHERE).status_code == 429
    # The therapist at the clinic signs in as usual.
    assert _login_via_proxy(client, therapist.email, PASSWORD, CLINIC).status_code == 302
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ELSEWHERE}


@pytest.mark.django_db
def test_it_ignores_a_forwarded_for_header_when_no_proxy_is_trusted(client, therapist, settings):
    assert settings.TRUSTED_PROXY_COUNT == 0  # the default
    # Changing the header on every try does not escape the lockout...
    for n in range(5):
        client.post(
            reverse("login"),
            {"username": therapist.email, "password": "wrong"},
            REMOTE_ADDR=ELSEWHERE,
            headers={"X-Forwarded-For": f"192.0.2.{n}"},
        )
    assert _login(client, therapist.email, PASSWORD, ip=ELSEWHERE).status_code == 429
    # ...and naming someone else's address in it locks out no one but the sender.
    assert AccessAttempt.objects.get().ip_address == ELSEWHERE
    assert _login(client, therapist.email, PASSWORD, ip=CLINIC).status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "client_address"),
    [
        (0, CLINIC, ELSEWHERE, CLINIC),
        (1, PROXY, f"{ELSEWHERE}, {CLINIC}", CLINIC),
        (2, PROXY, f"{ELSEWHERE}, {CLINIC}, 10.0.0.9", CLINIC),
        (1, PROXY, "", PROXY),  # did not come through the proxy chain
    ],
)
def test_it_records_one_client_address_for_lockout_and_the_audit_trail(
    client, therapist, settings, proxies, remote, forwarded, client_address
):
    settings.TRUSTED_PROXY_COUNT = proxies
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    client.post(
        reverse("login"),
        {"username": therapist.email, "password": "wrong"},
        REMOTE_ADDR=remote,
        headers=headers,
    )
    assert AccessAttempt.objects.get().ip_address == client_address
    assert AuditEvent.objects.get(action="login_failed").ip_address == client_address
    client.post(
        reverse("login"),
        {"username": therapist.email, "password": PASSWORD},
        REMOTE_ADDR=remote,
        headers=headers,
    )
    assert AuditEvent.objects.get(action="login").ip_address == client_address
    assert client.get("/dashboard/", REMOTE_ADDR=remote, headers=headers).status_code == 200
    assert set(AuditEvent.objects.values_list("ip_address", flat=True)) == {client_address}


@pytest.mark.django_db
def test_it_lets_the_manager_unlock_an_account_from_the_admin(client, therapist, manager):
    for _ in range(5):
        _login(client, therapist.email, "wrong")
    assert _login(client, therapist.email, PASSWORD).status_code == 429

    manager_client = Client()
    manager_client.force_login(manager)
    users = reverse("admin:clinic_user_changelist")
    assert "Unlock sign-in" in manager_client.get(users).content.decode()
    response = manager_client.post(
        users, {"action": "unlock_sign_in", "_selected_action": [therapist.pk]}, follow=True
    )
    assert f"Sign-in unlocked for {therapist.email}." in response.content.decode()
    unlocked = AuditEvent.objects.get(detail__event="sign_in_unlocked")
    assert (unlocked.actor_id, unlocked.object_id) == (manager.pk, str(therapist.public_id))

    assert _login(client, therapist.email, PASSWORD).status_code == 302


@pytest.mark.django_db
def test_it_lets_only_the_manager_unlock_accounts(client, therapist, reception):
    for _ in range(5):
        _login(client, therapist.email, "wrong")
    reception_client = Client()
    reception_client.force_login(reception)
    users = reverse("admin:clinic_user_changelist")
    response = reception_client.post(
        users, {"action": "unlock_sign_in", "_selected_action": [therapist.pk]}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    assert _login(client, therapist.email, PASSWORD).status_code == 429


@pytest.mark.django_db
def test_it_requires_a_totp_code_from_staff_when_required(client, settings, therapist):
    settings.STAFF_2FA_REQUIRED = True
    assert _login(client, therapist.email, PASSWORD).status_code == 302
    response = client.get("/dashboard/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor_setup"))

    setup_page = client.get(response["Location"])
    assert "Set up two-step sign-in" in setup_page.content.decode()
    device = TOTPDevice.objects.get(user=therapist)
    wrong = client.post(reverse("two_factor_setup"), {"token": "000000", "next": "/dashboard/"})
    assert "didn&#x27;t match" in wrong.content.decode()
    assert client.get("/dashboard/").status_code == 302

    # A wrong code throttles the device briefly; a person would retry a moment later.
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=10)):
        device.refresh_from_db()
        code = f"{totp(device.bin_key):06d}"
        done = client.post(reverse("two_factor_setup"), {"token": code, "next": "/dashboard/"})
    recovery = re.findall(r"<li>([0-9a-f]{10})</li>", done.content.decode())
    assert len(recovery) == 10
    assert client.get("/dashboard/").status_code == 200

    # Next sign-in asks for a code; a recovery code works once.
    client.post(reverse("logout"))
    _login(client, therapist.email, PASSWORD)
    assert client.get("/dashboard/")["Location"].startswith(reverse("two_factor_verify"))
    client.post(reverse("two_factor_verify"), {"token": recovery[0]})
    assert client.get("/dashboard/").status_code == 200
    client.post(reverse("logout"))
    _login(client, therapist.email, PASSWORD)
    reused = client.post(reverse("two_factor_verify"), {"token": recovery[0]})
    assert reused.status_code == 200
    assert client.get("/dashboard/").status_code == 302


@pytest.mark.django_db
def test_it_does_not_ask_patients_for_a_totp_code(client, settings, patient_user):
    settings.STAFF_2FA_REQUIRED = True
    _patient_record(patient_user)
    _login(client, patient_user.email, PASSWORD)
    assert client.get("/portal/").status_code == 200


@pytest.mark.django_db
def test_it_ends_idle_staff_sessions_after_thirty_minutes(therapist_client, client):
    therapist_client.get("/dashboard/")
    assert therapist_client.session.get_expiry_age() == 30 * 60


@pytest.mark.django_db
def test_it_refuses_to_redirect_off_site_after_login(client, therapist):
    response = client.post(
        reverse("login") + "?next=https://evil.example/",
        {"username": therapist.email, "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]


@pytest.mark.django_db
def test_it_sends_security_headers(client):
    response = client.get(reverse("login"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert len(response["X-Request-ID"]) >= 16


def test_it_has_no_inline_scripts_or_styles_in_templates():
    offenders = []
    for template in ROOT.glob("**/templates/**/*.html"):
        if ".venv" in template.parts:
            continue
        text = template.read_text()
        if re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text) or re.search(r"\sstyle=", text):
            offenders.append(str(template.relative_to(ROOT)))
        if re.search(r"\son(click|load|submit|change)=", text):
            offenders.append(str(template.relative_to(ROOT)))
    assert offenders == []


def _production_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="k" * 20 + "-production-secret-for-the-check-" + "z" * 20,
        DJANGO_ALLOWED_HOSTS="clinic.example.org",
        SITE_URL="https://clinic.example.org",
    )
    env.update(extra)
    return env


def test_it_passes_the_deploy_check_in_production():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        # Uploads in an object store, as several machines need (apex.W002, clinic/checks.py).
        env=_production_env(MEDIA_STORAGE="s3", MEDIA_S3_BUCKET="apex-uploads"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_it_requires_staff_two_factor_in_production():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from django.conf import settings; print(settings.STAFF_2FA_REQUIRED, settings.SESSION_COOKIE_SECURE, settings.SECURE_HSTS_SECONDS)",
        ],
        cwd=ROOT,
        env=_production_env(STAFF_2FA_REQUIRED="false"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split() == ["True", "True", "31536000"], result.stderr
