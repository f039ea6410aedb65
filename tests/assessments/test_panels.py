"""What other pages get from the assessments app: timeline, patient page panel, portal."""

import datetime as dt

import pytest

from assessments import demo as assessments_demo
from assessments import panels
from assessments.models import AssessmentDecision, WorkingDiagnosis
from assessments.selectors import episode_confirmed_decision
from assessments.services import decision_record
from patients import demo as patients_demo
from patients.models import Patient
from tests.assessments.factories import NEURAL_FINDINGS, AssessmentFactory

pytestmark = pytest.mark.django_db


def test_it_gives_reception_nothing_clinical(reception, neural_final):
    patient = neural_final.episode.patient
    assert panels.timeline_entries(user=reception, patient=patient) == []
    assert panels.patient_panels(user=reception, patient=patient) == []


def test_it_lists_assessments_and_decisions_on_the_timeline(therapist, neural_final):
    decision_record(assessment=neural_final, by=therapist, final_dx="neural")
    entries = panels.timeline_entries(user=therapist, patient=neural_final.episode.patient)
    assert {entry.kind for entry in entries} == {"assessment", "decision"}
    assert all(entry.episode_id == neural_final.episode_id for entry in entries)


def test_it_tells_the_patient_nothing_of_the_suggestion_before_confirmation(
    patient_user, neural_final
):
    [panel] = panels.portal_panels(user=patient_user, patient=neural_final.episode.patient)
    [item] = panel.context["explanations"]
    assert item["text"] == "We are still working out where your pain comes from."
    assert "nerve" not in item["text"] + item["next"]


def test_it_explains_a_confirmed_condition_in_plain_words(therapist, patient_user, neural_final):
    decision_record(assessment=neural_final, by=therapist, final_dx="neural")
    [panel] = panels.portal_panels(user=patient_user, patient=neural_final.episode.patient)
    [item] = panel.context["explanations"]
    assert "nerve" in item["text"]


@pytest.mark.parametrize(
    ("flag", "instruction"),
    [
        ("rf_bladder_change", "Go to the emergency department (A&E) now."),
        ("rf_calf_swelling_warmth", "Please see a doctor today."),
    ],
)
def test_it_tells_the_patient_what_to_do_and_how_soon_after_a_confirmed_red_flag(
    therapist, patient_user, settings, flag, instruction
):
    settings.CLINIC_PHONE = "020 7946 0000"
    assessment = AssessmentFactory(
        therapist=therapist, final=True, findings={**NEURAL_FINDINGS, flag: True}
    )
    decision_record(assessment=assessment, by=therapist, final_dx="red_flag_referral")
    [panel] = panels.portal_panels(user=patient_user, patient=assessment.episode.patient)
    [item] = panel.context["explanations"]
    assert item["action"].startswith(instruction)
    assert "talk to you" not in item["text"] + item["action"]
    assert item["phone"] == "020 7946 0000"


def test_it_never_reads_a_red_flag_as_less_urgent_than_the_rules_meant(therapist):
    assessment = AssessmentFactory(therapist=therapist, final=True, findings=NEURAL_FINDINGS)
    chosen = decision_record(
        assessment=assessment,
        by=therapist,
        final_dx="red_flag_referral",
        override_reason="Night pain that does not settle",
    )
    # The clinician referred without an engine red flag: no tier, so the same-day instruction.
    assert panels.patient_red_flag_action(chosen).startswith("Please see a doctor today.")
    # Rules 1.1 called 24 to 48 hours "urgent": still a doctor today, not within a week.
    chosen.model_version, chosen.score_snapshot = "1.1", {"tier": "urgent"}
    assert panels.patient_red_flag_action(chosen).startswith("Please see a doctor today.")
    chosen.model_version, chosen.score_snapshot = "1.2", {"tier": "urgent"}
    assert "within the next week" in panels.patient_red_flag_action(chosen)


def test_it_has_a_patient_explanation_for_every_final_diagnosis():
    assert set(panels.PATIENT_EXPLANATIONS) == set(AssessmentDecision.FinalDx.values)


def test_it_keeps_the_final_diagnosis_values_of_the_spec():
    from assessments.diagnosis.schema import FINAL_DX_CHOICES

    assert AssessmentDecision.FinalDx.values == [value for value, _ in FINAL_DX_CHOICES]


def test_it_seeds_a_mixed_demo_intake_with_a_working_diagnosis_idempotently(
    therapist, patient_user
):
    context = {"therapist": therapist, "patient_user": patient_user, "today": dt.date.today()}
    for _ in range(2):
        patients_demo.seed(context)
        assessments_demo.seed(context)
    episode = Patient.objects.get(user=patient_user).episodes.get()
    assert episode.assessments.count() == 1
    intake = episode.assessments.get()
    assert intake.is_final
    assert intake.assessed_on == dt.date.today() - dt.timedelta(days=21)
    # Confirmed only after the test-treat-retest of the first visit (treatment/demo.py).
    assert episode_confirmed_decision(episode=episode) is None
    working = WorkingDiagnosis.objects.get(assessment=intake)
    assert working.working_dx == "mixed_neural_lumbar"
    assert working.deciding_test == "retest_after_lumbar_treatment"
