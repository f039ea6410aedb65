"""The patient's questionnaire before the first visit, and the intake it pre-fills."""

import datetime as dt

import pytest
from django.urls import reverse

from assessments import panels
from assessments.forms import PATIENT_FIELDS
from assessments.models import Assessment, PreVisitQuestionnaire
from assessments.services import questionnaire_save
from patients.services import episode_open
from tests.assessments.factories import AssessmentFactory
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

ANSWERS = {
    "symptom_duration": "3_to_12_months",
    "aggr_downhill": "worse",
    "felt_pop_or_tear": "false",
    "pain_quality": ["nipping", "tight_band_pulling"],
    "nprs_worst_week": "6",
}


@pytest.fixture
def runner(patient_user):
    patient = PatientFactory(user=patient_user, weekly_km=40, main_terrain="trail_hilly")
    episode_open(patient=patient, side="right", started_on=dt.date(2026, 1, 5))
    return patient


def test_it_asks_the_patient_only_patient_questions_and_no_red_flags():
    assert "slump_test" not in PATIENT_FIELDS
    assert "lefs_score" not in PATIENT_FIELDS
    assert not any(name.startswith("rf_") for name in PATIENT_FIELDS)
    assert "pain_distribution" in PATIENT_FIELDS


def test_it_stores_the_patients_answers_under_spec_names(client, patient_user, runner):
    client.force_login(patient_user)
    response = client.post(reverse("portal:previsit"), ANSWERS)
    assert response.status_code == 302
    answers = PreVisitQuestionnaire.objects.get().answers
    assert answers == {
        "symptom_duration": "3_to_12_months",
        "aggr_downhill": "worse",
        "felt_pop_or_tear": False,
        "pain_quality": ["nipping", "tight_band_pulling"],
        "nprs_worst_week": 6,
    }


def test_it_shows_errors_next_to_bad_answers(client, patient_user, runner):
    client.force_login(patient_user)
    response = client.post(reverse("portal:previsit"), {"nprs_worst_week": "14"})
    assert "nprs_worst_week" in response.context["form"].errors
    assert not PreVisitQuestionnaire.objects.exists()


def test_it_keeps_staff_and_strangers_off_the_questionnaire(client, therapist):
    assert client.get(reverse("portal:previsit")).status_code == 302
    client.force_login(therapist)
    assert client.get(reverse("portal:previsit")).status_code == 403


def test_it_prefills_the_intake_and_names_the_source(therapist_client, runner):
    questionnaire_save(patient=runner, episode=None, answers={"aggr_downhill": "worse"})
    episode = runner.episodes.get()
    url = reverse("assessments:create", args=[episode.public_id])
    form = therapist_client.get(url).context["form"]
    assert form.initial["aggr_downhill"] == "worse"
    assert form.initial["affected_side"] == "right"
    assert form.initial["weekly_running_km"] == 40
    therapist_client.post(url, {"action": "draft", "aggr_downhill": "worse"})
    assessment = Assessment.objects.get()
    assert assessment.prefilled_from.startswith("from the patient's questionnaire, ")
    page = therapist_client.get(reverse("assessments:detail", args=[assessment.public_id]))
    assert "from the patient&#x27;s questionnaire" in page.content.decode()


def test_it_offers_the_questionnaire_in_the_portal_until_the_intake_is_final(
    patient_user, therapist, runner
):
    [panel] = panels.portal_panels(user=patient_user, patient=runner)
    assert panel.template.endswith("portal_previsit.html")
    AssessmentFactory(therapist=therapist, episode=runner.episodes.get(), final=True)
    templates = [
        panel.template for panel in panels.portal_panels(user=patient_user, patient=runner)
    ]
    assert not any(template.endswith("portal_previsit.html") for template in templates)
