"""The patient's record as a FHIR Bundle beside the privacy export, and the manager's bulk
NDJSON export."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from clinic.models import AuditEvent
from interop.registry import REGISTRY

from .conftest import build_record
from .validate import valid

pytestmark = pytest.mark.django_db


def test_it_offers_the_fhir_download_on_the_privacy_page(record, manager_client):
    page = manager_client.get(reverse("patients:privacy", args=[record.patient.public_id]))
    assert reverse("interop_export:patient_bundle", args=[record.patient.public_id]) in (
        page.content.decode()
    )


def test_it_downloads_the_patients_own_record_as_a_valid_bundle(
    record, therapist, manager_client, manager
):
    other = build_record(therapist=therapist, first_name="Bo")
    url = reverse("interop_export:patient_bundle", args=[record.patient.public_id])
    response = manager_client.post(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json"
    assert "attachment" in response["Content-Disposition"]
    bundle = valid(json.loads(response.content))
    assert bundle["type"] == "collection"
    kinds = {entry["resource"]["resourceType"] for entry in bundle["entry"]}
    assert kinds == set(REGISTRY)
    for entry in bundle["entry"]:
        valid(entry["resource"])
    text = response.content.decode()
    assert str(record.patient.public_id) in text
    assert str(other.patient.public_id) not in text
    event = AuditEvent.objects.filter(action="export", patient=record.patient).get()
    assert event.actor == manager
    assert event.detail == {"format": "fhir-bundle"}


def test_it_keeps_the_fhir_download_for_the_manager(record, therapist_client):
    url = reverse("interop_export:patient_bundle", args=[record.patient.public_id])
    assert therapist_client.post(url).status_code == 403


def test_it_writes_one_ndjson_file_per_type(record, tmp_path):
    out = StringIO()
    call_command("fhir_export", str(tmp_path), stdout=out)
    for name in REGISTRY:
        lines = (tmp_path / f"{name}.ndjson").read_text().splitlines()
        assert lines, name
        for line in lines:
            resource = valid(json.loads(line))
            assert resource["resourceType"] == name
    observations = (tmp_path / "Observation.ndjson").read_text().splitlines()
    assert len(observations) == 11
    assert "Observation" in out.getvalue()
    assert "[" in out.getvalue()
    assert AuditEvent.objects.filter(action="export", detail__format="fhir-ndjson").exists()


def test_it_exports_only_the_types_asked_for(record, tmp_path):
    call_command("fhir_export", str(tmp_path), "--type", "Patient", stdout=StringIO())
    assert [path.name for path in tmp_path.iterdir()] == ["Patient.ndjson"]


def test_it_reads_the_tables_in_chunks(record, tmp_path, monkeypatch):
    """Rows are streamed with iterator(), never loaded whole."""
    from django.db.models.query import QuerySet

    chunked = []
    real = QuerySet.iterator

    def spy(self, chunk_size=None):
        chunked.append((self.model.__name__, chunk_size))
        return real(self, chunk_size=chunk_size)

    monkeypatch.setattr(QuerySet, "iterator", spy)
    call_command("fhir_export", str(tmp_path), stdout=StringIO())
    assert {"Patient", "PlanVersion", "Appointment", "Assessment", "Retest"} <= {
        name for name, _ in chunked
    }
    assert all(size == 500 for _, size in chunked)
