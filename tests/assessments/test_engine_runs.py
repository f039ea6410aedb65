"""The assessment page and a posted decision run the diagnosis engine once per request.

Every caller reaches the engine through `diagnose`, imported by name into the modules that use
it; the fixture (conftest.py) wraps each of those names with a counter, so a second run
anywhere is seen. With the engine's result stored (test_stored_result.py) the page runs it not
at all; these assessments come from the factory, without one."""

import pytest
from django.urls import reverse

from assessments.models import AssessmentDecision

pytestmark = pytest.mark.django_db


def test_it_runs_the_engine_once_to_show_an_assessment_without_a_stored_result(
    therapist_client, neural_final, engine_runs
):
    response = therapist_client.get(reverse("assessments:detail", args=[neural_final.public_id]))
    assert response.status_code == 200
    assert len(engine_runs) == 1


def test_it_runs_the_engine_once_to_record_a_decision(therapist_client, neural_final, engine_runs):
    response = therapist_client.post(
        reverse("assessments:decide", args=[neural_final.public_id]),
        {"clinician_final_dx": "neural"},
    )
    assert response.status_code == 302
    assert AssessmentDecision.objects.get().suggested_label == "neural"
    assert len(engine_runs) == 1


def test_it_runs_the_engine_once_to_refuse_a_decision(therapist_client, neural_final, engine_runs):
    response = therapist_client.post(
        reverse("assessments:decide", args=[neural_final.public_id]),
        {"clinician_final_dx": "lumbar"},  # an override without its reason
    )
    assert response.status_code == 400
    assert "override_reason" in response.context["decision_form"].errors
    assert len(engine_runs) == 1
