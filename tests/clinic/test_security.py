"""Login throttling, staff two-factor sign-in, security headers and deploy checks."""

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from axes.utils import reset
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

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


@pytest.mark.django_db
def test_it_lets_the_manager_unlock_an_account(client, therapist):
    for _ in range(5):
        _login(client, therapist.email, "wrong")
    assert _login(client, therapist.email, PASSWORD).status_code == 429
    reset(username=therapist.email)  # what the admin's "delete access attempts" does
    assert _login(client, therapist.email, PASSWORD).status_code == 302


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
        DJANGO_SETTINGS_MODULE="clinic.settings",
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
        env=_production_env(),
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
