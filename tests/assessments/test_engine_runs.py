"""The assessment page and a posted decision run the diagnosis engine once per request.

Every caller reaches the engine through `diagnose`, imported by name into the modules that use
it; the fixture wraps each of those names with a counter, so a second run anywhere is seen."""

import sys

import pytest
from django.urls import reverse

import assessments.views  # noqa: F401  (loaded before the fixture wraps the names it imports)
from assessments.diagnosis import engine
from assessments.models import AssessmentDecision

pytestmark = pytest.mark.django_db


@pytest.fixture
def engine_runs(monkeypatch):
    runs = []
    real = engine.diagnose

    def counting(*args, **kwargs):
        runs.append(args[0] if args else kwargs.get("findings"))
        return real(*args, **kwargs)

    for name, module in list(sys.modules.items()):
        if name.startswith("assessments") and getattr(module, "diagnose", None) is real:
            monkeypatch.setattr(module, "diagnose", counting)
    return runs


def test_it_runs_the_engine_once_to_show_an_assessment_without_a_stored_result(therapist_client, neural_final, engine_runs):
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
