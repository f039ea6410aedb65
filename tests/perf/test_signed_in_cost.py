"""What every signed-in page pays before it reads any clinic data (docs/performance.md, "Stop
25"): the user and the two-factor device are read with SQL compiled once per process, and the
base layout's static files are looked up once per process. Each was measured at hundreds of
thousands to a million instructions per request, on every page."""

from __future__ import annotations

import pytest
from django.contrib.staticfiles.storage import staticfiles_storage
from django.db.models.sql import compiler
from django.templatetags.static import static
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from assessments.models import AssessmentDecision
from clinic.models import User
from patients.models import Patient
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

ASSETS = ("vendor/bootstrap/bootstrap.min.css", "css/site.css", "js/site.js")


@pytest.fixture
def verified_client(client, therapist, settings):
    settings.STAFF_2FA_REQUIRED = True
    client.force_login(therapist)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.create(
        user=therapist, name="app"
    ).persistent_id
    session.save()
    return client


@pytest.fixture
def compiled(monkeypatch) -> list:
    """The model of every query the ORM compiles while the test runs."""
    models = []
    as_sql = compiler.SQLCompiler.as_sql

    def counting(self, *args, **kwargs):
        models.append(self.query.model)
        return as_sql(self, *args, **kwargs)

    monkeypatch.setattr(compiler.SQLCompiler, "as_sql", counting)
    return models


def test_it_compiles_no_sql_for_the_user_and_device_on_each_request(verified_client, compiled):
    page = reverse("password_change")
    assert verified_client.get(page).status_code == 200
    compiled.clear()
    assert verified_client.get(page).status_code == 200
    assert User not in compiled
    assert TOTPDevice not in compiled


def test_it_looks_up_the_layouts_static_files_once(verified_client, monkeypatch):
    page = reverse("password_change")
    assert verified_client.get(page).status_code == 200
    looked_up = []
    url = staticfiles_storage.url
    monkeypatch.setattr(
        staticfiles_storage, "url", lambda name: looked_up.append(name) or url(name)
    )
    html = verified_client.get(page).content.decode()
    assert looked_up == []
    for asset in ASSETS:  # the same URLs as Django's {% static %}
        assert f'"{static(asset)}"' in html


def test_it_compiles_no_sql_for_the_portal_patient_and_red_flag_notice(
    client, patient_user, compiled
):
    PatientFactory(user=patient_user)
    client.force_login(patient_user)
    page = reverse("portal:safety")  # a portal page with little of its own
    assert client.get(page).status_code == 200
    compiled.clear()
    assert client.get(page).status_code == 200
    assert Patient not in compiled
    assert AssessmentDecision not in compiled
