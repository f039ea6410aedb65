"""What the API answers when it will not answer: an OperationOutcome with the right status."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from interop import services
from interop.models import ApiToken

from .conftest import api, token_for
from .validate import valid

pytestmark = pytest.mark.django_db


def _outcome(response, status: int) -> str:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/fhir+json"
    body = valid(response.json())
    assert body["resourceType"] == "OperationOutcome"
    return body["issue"][0]["diagnostics"]


def test_it_answers_404_for_a_type_it_does_not_serve(therapist_api):
    response = therapist_api.get(reverse("interop:search", args=["MedicationRequest"]))
    assert "does not serve 'MedicationRequest'" in _outcome(response, 404)
    response = therapist_api.get(reverse("interop:read", args=["Practitioner", uuid.uuid4()]))
    _outcome(response, 404)


@pytest.mark.parametrize(
    ("resource_type", "resource_id"),
    [
        ("Patient", uuid.UUID(int=7)),
        ("Patient", "not-an-id"),
        ("Patient", "1"),  # a database id is never an id here
        ("CarePlan", f"{uuid.UUID(int=7)}.v1"),
        ("CarePlan", "x.vy"),
        ("Observation", f"{uuid.UUID(int=7)}.lefs"),
        ("Observation", f"{uuid.UUID(int=7)}.during.lefs"),
        ("Observation", "nonsense"),
    ],
)
def test_it_answers_404_for_an_id_it_does_not_hold(
    record, therapist_api, resource_type, resource_id
):
    response = therapist_api.get(reverse("interop:read", args=[resource_type, resource_id]))
    _outcome(response, 404)


def test_it_answers_404_for_a_measure_the_assessment_left_blank(record, therapist_api):
    record.intake.__class__.objects.filter(pk=record.intake.pk).update(lefs_score=None)
    url = reverse("interop:read", args=["Observation", f"{record.intake.public_id}.lefs"])
    _outcome(therapist_api.get(url), 404)


def test_it_answers_404_for_a_database_id_where_a_public_id_exists(record, therapist_api):
    url = reverse("interop:read", args=["Patient", str(record.patient.pk)])
    _outcome(therapist_api.get(url), 404)


@pytest.mark.parametrize(
    ("resource_type", "query", "says"),
    [
        ("Appointment", {"colour": "blue"}, "does not take 'colour'"),
        ("Appointment", {"date": "2026-13-01"}, "not a real day"),
        ("Appointment", {"date": "yesterday"}, "YYYY-MM-DD"),
        ("Appointment", {"date": "ne2026-01-01"}, "YYYY-MM-DD"),
        ("Appointment", {"patient": "Patient/42"}, "UUID"),
        ("Appointment", {"_count": "0"}, "at least 1"),
        ("Appointment", {"_count": "ten"}, "whole number"),
        ("Appointment", {"_offset": "-5"}, "whole number"),
        ("Appointment", {"_format": "xml"}, "JSON only"),
        ("Patient", {"date": "ge2026-01-01"}, "does not take 'date'"),
        ("Observation", {"_id": str(uuid.uuid4())}, "does not take '_id'"),
    ],
)
def test_it_answers_400_for_a_bad_search_parameter(therapist_api, resource_type, query, says):
    response = therapist_api.get(reverse("interop:search", args=[resource_type]), query)
    assert says in _outcome(response, 400)


def test_it_answers_400_for_a_parameter_given_twice(therapist_api):
    url = reverse("interop:search", args=["Appointment"])
    response = therapist_api.get(f"{url}?patient={uuid.uuid4()}&patient={uuid.uuid4()}")
    assert "once" in _outcome(response, 400)


def test_it_answers_401_without_a_token(record):
    for url in (
        reverse("interop:search", args=["Patient"]),
        reverse("interop:read", args=["Patient", record.patient.public_id]),
    ):
        response = api(None).get(url)
        _outcome(response, 401)
        assert response["WWW-Authenticate"].startswith("Bearer")


def test_it_answers_401_for_a_made_up_or_malformed_token(record):
    url = reverse("interop:search", args=["Patient"])
    _outcome(api("made-up-token-value").get(url), 401)
    _outcome(api("").get(url, HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz"), 401)


def test_it_answers_403_for_a_revoked_token(record, therapist, manager):
    raw = token_for(therapist, manager)
    url = reverse("interop:read", args=["Patient", record.patient.public_id])
    assert api(raw).get(url).status_code == 200
    services.token_revoke(token=ApiToken.objects.get(user=therapist), by=manager)
    assert "revoked" in _outcome(api(raw).get(url), 403)


def test_it_answers_403_once_the_owner_has_left(record, therapist, manager):
    raw = token_for(therapist, manager)
    therapist.is_active = False
    therapist.save()
    url = reverse("interop:read", args=["Patient", record.patient.public_id])
    _outcome(api(raw).get(url), 403)


def test_it_gives_a_signed_in_patient_nothing(record, patient_user, client):
    """A portal session is no authority here: the patient gets 401 like anyone."""
    record.patient.user = patient_user
    record.patient.save()
    client.force_login(patient_user)
    url = reverse("interop:read", args=["Patient", record.patient.public_id])
    _outcome(client.get(url), 401)


def test_it_lets_reception_read_patients_and_appointments_but_nothing_clinical(
    record, reception_api
):
    patient = str(record.patient.public_id)
    for resource_type in ("Patient", "Appointment"):
        query = {"_id": patient} if resource_type == "Patient" else {"patient": patient}
        response = reception_api.get(reverse("interop:search", args=[resource_type]), query)
        assert response.status_code == 200
    for resource_type in ("Condition", "Observation", "Encounter", "CarePlan", "EpisodeOfCare"):
        response = reception_api.get(
            reverse("interop:search", args=[resource_type]), {"patient": patient}
        )
        assert "may not read" in _outcome(response, 403)
    url = reverse("interop:read", args=["Condition", record.decision.public_id])
    _outcome(reception_api.get(url), 403)


def test_it_refuses_writes(record, therapist_api):
    url = reverse("interop:read", args=["Patient", record.patient.public_id])
    assert therapist_api.put(url, {}, content_type="application/fhir+json").status_code == 405
    assert therapist_api.delete(url).status_code == 405
    search = reverse("interop:search", args=["Patient"])
    assert therapist_api.post(search, {}).status_code == 405
