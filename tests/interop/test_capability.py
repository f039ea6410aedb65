"""The CapabilityStatement lists exactly what is served: checked against real requests and
the URLconf, so the two cannot drift apart."""

from __future__ import annotations

import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from interop.registry import REGISTRY

from .validate import valid

pytestmark = pytest.mark.django_db

#: Resource types a clinic might be asked for that this server does not serve.
NOT_SERVED = ("Practitioner", "MedicationRequest", "Procedure", "DocumentReference", "Bundle")


def _statement(client) -> dict:
    response = client.get(reverse("interop:metadata"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json"
    return valid(response.json())


def test_it_answers_metadata_without_a_token(client):
    statement = _statement(client)
    assert statement["fhirVersion"].startswith("4.")
    assert statement["format"] == ["application/fhir+json"]


def test_it_lists_exactly_the_types_that_answer(record, client, therapist_api):
    listed = {entry["type"]: entry for entry in _statement(client)["rest"][0]["resource"]}
    assert set(listed) == set(REGISTRY)
    patient = str(record.patient.public_id)
    for name, entry in listed.items():
        assert [one["code"] for one in entry["interaction"]] == ["read", "search-type"]
        # every parameter it lists is taken ...
        for param in entry["searchParam"]:
            value = {
                "patient": patient,
                "_id": patient,
                "date": "ge2026-01-01",
            }[param["name"]]
            response = therapist_api.get(
                reverse("interop:search", args=[name]), {param["name"]: value}
            )
            assert response.status_code == 200, (name, param["name"], response.content)
            assert response.json()["entry"], (name, param["name"])
        # ... and one it does not list is refused
        unlisted = {"patient", "_id", "date"} - {param["name"] for param in entry["searchParam"]}
        for param in unlisted:
            response = therapist_api.get(reverse("interop:search", args=[name]), {param: patient})
            assert response.status_code == 400, (name, param)
    for name in NOT_SERVED:
        assert therapist_api.get(reverse("interop:search", args=[name])).status_code == 404
        url = reverse("interop:read", args=[name, uuid.uuid4()])
        assert therapist_api.get(url).status_code == 404


def _fhir_routes(patterns, prefix="") -> list[str]:
    found = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            found += _fhir_routes(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and (prefix + str(entry.pattern)).startswith("fhir/"):
            found.append(prefix + str(entry.pattern))
    return found


def test_it_serves_every_type_through_the_registry_alone():
    """No route under /fhir/ names a type of its own, which the statement would not list."""
    assert sorted(_fhir_routes(get_resolver().url_patterns)) == [
        "fhir/<str:resource_type>",
        "fhir/<str:resource_type>/<str:resource_id>",
        "fhir/metadata",
    ]


def test_it_tells_clients_what_reception_may_read(client):
    listed = {entry["type"]: entry for entry in _statement(client)["rest"][0]["resource"]}
    for name, entry in listed.items():
        staff = name in ("Patient", "Appointment")
        assert ("clinic staff" in entry["documentation"]) is staff, name
    security = _statement(client)["rest"][0]["security"]["description"]
    assert "Reception tokens read Patient and Appointment only" in security
