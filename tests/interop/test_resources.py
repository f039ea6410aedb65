"""Every resource type, built from one runner's record, read and searched through the API and
validated against the FHIR R4B models."""

from __future__ import annotations

import pytest
from django.urls import reverse

from interop.registry import REGISTRY
from interop.resources import RULES_VERSION_EXTENSION

from .validate import valid

pytestmark = pytest.mark.django_db


def _search(client, resource_type: str, **params):
    response = client.get(reverse("interop:search", args=[resource_type]), params)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/fhir+json"
    return valid(response.json())


def _resources(bundle: dict) -> list[dict]:
    return [entry["resource"] for entry in bundle.get("entry", [])]


def test_it_serves_every_type_of_the_runners_record_as_valid_fhir(record, therapist_api):
    params = {"patient": str(record.patient.public_id)}
    for resource_type in REGISTRY:
        query = {"_id": params["patient"]} if resource_type == "Patient" else params
        bundle = _search(therapist_api, resource_type, **query)
        found = _resources(bundle)
        assert found, f"no {resource_type} for the runner"
        for resource in found:
            assert resource["resourceType"] == resource_type
            valid(resource)
            response = therapist_api.get(
                reverse("interop:read", args=[resource_type, resource["id"]])
            )
            assert response.status_code == 200, (resource_type, resource["id"])
            assert valid(response.json()) == resource


def test_it_codes_pain_with_loinc_and_the_other_measures_with_the_clinics_codes(
    record, therapist_api
):
    bundle = _search(therapist_api, "Observation", patient=str(record.patient.public_id))
    by_code = {
        coding["code"]: resource
        for resource in _resources(bundle)
        for coding in resource["code"]["coding"]
        if "method" in resource and "assessment" in resource["method"]["text"]
    }
    pain = by_code["72514-3"]
    assert pain["valueQuantity"]["value"] == 6
    assert pain["code"]["coding"][0]["system"] == "http://loinc.org"
    assert by_code["lefs"]["valueQuantity"]["value"] == 52
    assert by_code["odi"]["valueQuantity"] == {
        "value": 18,
        "unit": "%",
        "system": "http://unitsofmeasure.org",
        "code": "%",
    }
    assert by_code["psfs"]["valueQuantity"]["value"] == 4.67
    assert by_code["slr-affected"]["category"][0]["coding"][0]["code"] == "exam"


def test_it_serves_the_session_re_tests_as_observations_of_the_encounter(record, therapist_api):
    bundle = _search(therapist_api, "Observation", patient=str(record.patient.public_id))
    retests = {
        resource["id"]: resource
        for resource in _resources(bundle)
        if resource.get("encounter") == {"reference": f"Encounter/{record.session.public_id}"}
    }
    session_id = record.session.public_id
    assert set(retests) == {
        f"{session_id}.before.slr-affected",
        f"{session_id}.before.knee-flexion",
        f"{session_id}.after.slr-affected",
    }
    assert retests[f"{session_id}.after.slr-affected"]["valueQuantity"]["value"] == 60


def test_it_gives_the_diagnosis_its_rules_version_as_an_extension(record, therapist_api):
    bundle = _search(therapist_api, "Condition", patient=str(record.patient.public_id))
    (condition,) = _resources(bundle)
    assert condition["id"] == str(record.decision.public_id)
    assert condition["extension"] == [
        {"url": RULES_VERSION_EXTENSION, "valueString": record.decision.model_version}
    ]
    assert condition["code"]["text"] == "Neural tissue sensitivity"
    assert condition["verificationStatus"]["coding"][0]["code"] == "confirmed"


def test_it_serves_each_plan_version_as_a_care_plan_replacing_the_one_before(record, therapist_api):
    bundle = _search(therapist_api, "CarePlan", patient=str(record.patient.public_id))
    plans = {resource["id"]: resource for resource in _resources(bundle)}
    first, second = f"{record.plan.public_id}.v1", f"{record.plan.public_id}.v2"
    assert set(plans) == {first, second}
    assert plans[first]["status"] == "revoked"
    assert plans[second]["status"] == "active"
    assert plans[second]["replaces"] == [{"reference": f"CarePlan/{first}"}]
    assert len(plans[second]["activity"]) == 3
    assert plans[second]["activity"][0]["detail"]["status"] == "in-progress"


def test_it_links_the_encounter_to_its_appointment_and_episode(record, therapist_api):
    bundle = _search(therapist_api, "Encounter", patient=str(record.patient.public_id))
    (encounter,) = _resources(bundle)
    assert encounter["id"] == str(record.session.public_id)
    assert encounter["appointment"] == [
        {"reference": f"Appointment/{record.session.appointment.public_id}"}
    ]
    assert encounter["episodeOfCare"] == [
        {"reference": f"EpisodeOfCare/{record.episode.public_id}"}
    ]


def test_it_never_puts_staff_notes_in_an_appointment(record, therapist_api):
    record.appointment.notes = "Worried about the scan result"
    record.appointment.save()
    bundle = _search(therapist_api, "Appointment", patient=str(record.patient.public_id))
    assert "scan" not in str(bundle)
