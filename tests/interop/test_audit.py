"""Every read through the API is audited like a page view, in the token owner's name."""

from __future__ import annotations

import pytest
from django.urls import reverse

from clinic.models import AuditEvent

from .conftest import build_record

pytestmark = pytest.mark.django_db


def test_it_audits_a_read_in_the_token_owners_name(record, therapist, therapist_api):
    before = AuditEvent.objects.count()
    url = reverse("interop:read", args=["Condition", record.decision.public_id])
    assert therapist_api.get(url).status_code == 200
    (event,) = AuditEvent.objects.order_by("-id")[: AuditEvent.objects.count() - before]
    assert event.action == "view"
    assert event.actor == therapist
    assert event.patient == record.patient
    assert event.path == url


def test_it_audits_a_search_once_for_each_patient_in_the_page(therapist, therapist_api):
    first = build_record(therapist=therapist, first_name="Ada")
    second = build_record(therapist=therapist, first_name="Bo")
    before = AuditEvent.objects.count()
    response = therapist_api.get(reverse("interop:search", args=["Appointment"]))
    assert response.status_code == 200
    # One event for the search, naming each patient in the page.
    (event,) = AuditEvent.objects.order_by("-id")[: AuditEvent.objects.count() - before]
    assert {patient_id for patient_id, _, _ in event.shown()} == {
        first.patient.pk,
        second.patient.pk,
    }
    assert event.action == "view"
    assert event in AuditEvent.objects.concerning([first.patient.pk])


def test_it_audits_nothing_for_a_refused_read(record, reception_api):
    before = AuditEvent.objects.count()
    url = reverse("interop:read", args=["Condition", record.decision.public_id])
    assert reception_api.get(url).status_code == 403
    assert AuditEvent.objects.count() == before
