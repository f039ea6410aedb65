"""What the assessment page shows under rules 1.2, and for decisions made under 1.1."""

import pytest
from django.urls import reverse

from assessments.diagnosis import diagnose
from assessments.diagnosis.ruleset import rules_for_version
from assessments.models import AssessmentDecision
from assessments.services import decision_record
from tests.assessments.factories import NEURAL_FINDINGS, AssessmentFactory

pytestmark = pytest.mark.django_db

DVT_FINDINGS = {**NEURAL_FINDINGS, "rf_calf_swelling_warmth": True, "rf_dvt_risk_factor": True}

# A complete proximal avulsion that rules 1.1 missed: sudden pop at the sitting bone, extensive
# bruising and a limp, but the haematoma hides the gap.
HIDDEN_AVULSION = {
    "red_flag_screen_completed": True,
    "age_years": 44,
    "onset_type": "sudden_during_running",
    "onset_mechanism": "overstretch_or_slip",
    "felt_pop_or_tear": True,
    "stopped_immediately": True,
    "symptom_duration": "under_2_weeks",
    "pain_location": ["ischial_tuberosity"],
    "ischial_tuberosity_tenderness": True,
    "hamstring_palpation": "focal_tenderness",
    "bruising": "extensive",
    "can_walk_run": "cannot_walk_normally",
    "resisted_knee_flexion": "weak_painful",
    "slump_test": "negative",
}


def page(client, assessment):
    response = client.get(reverse("assessments:detail", args=[assessment.public_id]))
    assert response.status_code == 200
    return response.content.decode()


def banner(content):
    start = content.index("redflag-banner")
    return content[start : content.index("</div>", start)]


def test_it_shows_a_suspected_dvt_as_same_day_with_its_action(therapist_client, therapist):
    assessment = AssessmentFactory(therapist=therapist, final=True, findings=DVT_FINDINGS)

    shown = banner(page(therapist_client, assessment))

    assert "Same day: a doctor must assess the patient today" in shown
    assert "Wells score" in shown
    assert "ultrasound within 4 hours" in shown
    assert "24 to 48 hours" not in shown
    assert "medical or orthopaedic" not in shown


def test_it_lists_every_action_most_urgent_first(therapist_client, therapist):
    findings = {**DVT_FINDINGS, "rf_bladder_change": True}
    assessment = AssessmentFactory(therapist=therapist, final=True, findings=findings)

    shown = banner(page(therapist_client, assessment))

    assert "Emergency: send to the emergency department now" in shown
    assert shown.index("emergency department now") < shown.index("Wells score")


def test_it_shows_an_assessment_decided_under_1_1_with_the_1_1_suggestion(
    therapist_client, therapist
):
    assessment = AssessmentFactory(therapist=therapist, final=True, findings=HIDDEN_AVULSION)
    old = diagnose(HIDDEN_AVULSION, rules_for_version("1.1"))
    assert old.label == "acute_strain"
    AssessmentDecision.objects.create(
        assessment=assessment,
        episode_id=assessment.episode_id,
        clinician_final_dx="acute_strain",
        suggested_label=old.label,
        suggested_dx="acute_strain",
        model_version="1.1",
        score_snapshot=old.as_dict(),
        findings=HIDDEN_AVULSION,
        confirmed_by=therapist,
    )

    content = page(therapist_client, assessment)

    assert "rules version 1.1" in content
    assert "(rules 1.1)" in content  # the decision line
    assert "redflag-banner" not in content  # 1.1 did not flag it, and the page says so
    note = content[content.index("current-rules") :]
    assert "The current rules (1.2) suggest" in note[:1500]
    assert "Urgent: specialist review or imaging within a week" in note[:1500]
    assert "MRI" in note[:1500]


def test_it_shows_the_tier_and_actions_a_red_flag_decision_was_made_with(
    therapist_client, therapist
):
    assessment = AssessmentFactory(therapist=therapist, final=True, findings=DVT_FINDINGS)
    decision = decision_record(assessment=assessment, by=therapist, final_dx="red_flag_referral")
    assert decision.model_version == "1.2"

    content = page(therapist_client, assessment)

    shown = content[content.index("decision-flags") :][:1500]
    assert "Red flag at the time: Same day" in shown
    assert "Wells score" in shown
    assert "current-rules" not in content  # decided under the current rules


def test_it_shows_a_1_1_red_flag_decision_with_the_1_1_action(therapist_client, therapist):
    findings = {**NEURAL_FINDINGS, "rf_significant_trauma": True}
    assessment = AssessmentFactory(therapist=therapist, final=True, findings=findings)
    old = diagnose(findings, rules_for_version("1.1"))
    AssessmentDecision.objects.create(
        assessment=assessment,
        episode_id=assessment.episode_id,
        clinician_final_dx="red_flag_referral",
        suggested_label=old.label,
        suggested_dx="red_flag_referral",
        model_version="1.1",
        score_snapshot=old.as_dict(),
        findings=findings,
        confirmed_by=therapist,
    )

    content = page(therapist_client, assessment)

    shown = content[content.index("decision-flags") :][:1500]
    assert "Urgent: review within 24 to 48 hours (rules 1.1)" in shown
    assert "Significant trauma: possible fracture" in shown
    assert "medical or orthopaedic" not in shown  # 1.1's notes are kept verbatim below
    assert "Same day: a doctor must assess the patient today" in content  # current rules
