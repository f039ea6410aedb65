"""Confirming or overriding the suggestion (SPEC 3.8, 3.9a-13 and -18)."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from assessments.models import AssessmentDecision
from assessments.selectors import episode_confirmed_decision
from assessments.services import AssessmentLockedError, decision_record
from tests.assessments.factories import NEURAL_FINDINGS, AssessmentFactory

pytestmark = pytest.mark.django_db

RED_FLAG_FINDINGS = {**NEURAL_FINDINGS, "rf_bladder_change": True}


def decide(client, assessment, **data):
    return client.post(reverse("assessments:decide", args=[assessment.public_id]), data)


def test_it_confirms_the_suggestion_with_a_snapshot(therapist_client, therapist, neural_final):
    response = decide(therapist_client, neural_final, clinician_final_dx="neural")
    assert response.status_code == 302
    decision = AssessmentDecision.objects.get()
    assert decision.final_dx == "neural"
    assert decision.suggested_label == "neural"
    assert decision.model_version == decision.score_snapshot["rules_version"]
    assert decision.score_snapshot["scores"]["neural"] > decision.score_snapshot["scores"]["lumbar"]
    assert decision.findings["slump_test"] == "positive_differentiated"
    assert decision.confirmed_by == therapist


def test_it_needs_a_reason_to_override(therapist_client, neural_final):
    response = decide(therapist_client, neural_final, clinician_final_dx="lumbar")
    assert response.status_code == 400
    assert "override_reason" in response.context["decision_form"].errors
    assert not AssessmentDecision.objects.exists()
    decide(
        therapist_client,
        neural_final,
        clinician_final_dx="lumbar",
        override_reason="Centralised on repeated extension at the second visit",
    )
    assert AssessmentDecision.objects.get().is_override


def test_it_needs_other_to_be_named(therapist_client, neural_final):
    response = decide(
        therapist_client, neural_final, clinician_final_dx="other", override_reason="PHT"
    )
    assert "other_dx_text" in response.context["decision_form"].errors


def test_it_needs_a_reason_and_a_confirmation_to_override_a_red_flag(therapist_client, therapist):
    assessment = AssessmentFactory(therapist=therapist, final=True, findings=RED_FLAG_FINDINGS)
    page = therapist_client.get(reverse("assessments:detail", args=[assessment.public_id]))
    assert page.context["decision_form"].initial["clinician_final_dx"] == "red_flag_referral"
    reason_only = decide(
        therapist_client,
        assessment,
        clinician_final_dx="neural",
        override_reason="Bladder symptoms explained by a known UTI, under GP care",
    )
    assert "confirm_red_flag_override" in reason_only.context["decision_form"].errors
    confirm_only = decide(
        therapist_client, assessment, clinician_final_dx="neural", confirm_red_flag_override="on"
    )
    assert "override_reason" in confirm_only.context["decision_form"].errors
    assert not AssessmentDecision.objects.exists()
    decide(
        therapist_client,
        assessment,
        clinician_final_dx="neural",
        override_reason="Bladder symptoms explained by a known UTI, under GP care",
        confirm_red_flag_override="on",
    )
    decision = AssessmentDecision.objects.get()
    assert decision.red_flag_override_confirmed
    assert decision.suggested_dx == "red_flag_referral"


def test_it_refuses_to_confirm_while_the_red_flag_screen_is_incomplete(therapist_client, therapist):
    findings = {**NEURAL_FINDINGS, "red_flag_screen_completed": None}
    assessment = AssessmentFactory(therapist=therapist, final=True, findings=findings)
    page = therapist_client.get(reverse("assessments:detail", args=[assessment.public_id]))
    assert "Red-flag screen incomplete" in page.content.decode()
    response = decide(therapist_client, assessment, clinician_final_dx="neural")
    assert response.status_code == 400
    assert not AssessmentDecision.objects.exists()
    with pytest.raises(ValidationError):
        decision_record(assessment=assessment, by=therapist, final_dx="neural")


def test_it_refuses_a_decision_on_a_draft(therapist):
    assessment = AssessmentFactory(therapist=therapist, findings=NEURAL_FINDINGS)
    with pytest.raises(AssessmentLockedError):
        decision_record(assessment=assessment, by=therapist, final_dx="neural")


def test_it_keeps_earlier_decisions_and_returns_the_newest(therapist, neural_final):
    first = decision_record(assessment=neural_final, by=therapist, final_dx="neural")
    second = decision_record(
        assessment=neural_final,
        by=therapist,
        final_dx="mixed_neural_lumbar",
        override_reason="Back became painful on review",
    )
    assert AssessmentDecision.objects.count() == 2
    current = episode_confirmed_decision(episode=neural_final.episode)
    assert current == second
    assert current.final_dx == "mixed_neural_lumbar"
    assert current.findings["affected_side"] == "left"
    assert current.confirmed_at >= first.confirmed_at


def test_it_returns_no_decision_for_an_unconfirmed_episode(neural_final):
    assert episode_confirmed_decision(episode=neural_final.episode) is None


def test_it_shows_a_red_flag_banner_that_cannot_be_missed(therapist_client, therapist):
    assessment = AssessmentFactory(therapist=therapist, final=True, findings=RED_FLAG_FINDINGS)
    content = therapist_client.get(
        reverse("assessments:detail", args=[assessment.public_id])
    ).content.decode()
    main = content[content.index("<main") :]
    first_alert = main.index('role="alert"')
    assert first_alert < main.index("<h1")
    assert "Emergency" in main[first_alert : first_alert + 400]


def test_it_shows_the_reasons_for_and_against(therapist_client, neural_final):
    content = therapist_client.get(
        reverse("assessments:detail", args=[neural_final.public_id])
    ).content.decode()
    assert "Suggested: neural tissue sensitivity" in content
    assert "not a probability" in content
    assert "For:" in content
    assert "Against:" in content
    assert "Key tests not done" in content


def test_it_refuses_a_decision_on_an_amended_version(therapist, neural_final):
    from assessments.services import assessment_amend

    assessment_amend(assessment=neural_final, by=therapist, reason="Re-tested SLR")
    with pytest.raises(AssessmentLockedError):
        decision_record(assessment=neural_final, by=therapist, final_dx="neural")


def _decision_form(client, assessment) -> str:
    content = client.get(reverse("assessments:detail", args=[assessment.public_id])).content
    content = content.decode()
    start = content.index(reverse("assessments:decide", args=[assessment.public_id]))
    return content[start : content.index("</form>", start)]


def _preselected(form: str) -> list[str]:
    return re.findall(r'name="clinician_final_dx" value="(\w+)"[^>]*checked', form)


def test_it_preselects_each_assessments_own_suggestion_in_the_blank_decision_form(
    therapist_client, therapist, neural_final
):
    """Blank decision forms are drawn once per process for each suggestion: a red-flag
    assessment viewed after a neural one still gets its own suggestion and the red-flag
    confirmation, and the form holds one CSRF field (the page's), never a kept one."""
    red_flag = AssessmentFactory(therapist=therapist, final=True, findings=RED_FLAG_FINDINGS)
    for _ in range(2):
        neural = _decision_form(therapist_client, neural_final)
        assert _preselected(neural) == ["neural"]
        assert "confirm_red_flag_override" not in neural
        flagged = _decision_form(therapist_client, red_flag)
        assert _preselected(flagged) == ["red_flag_referral"]
        assert 'name="confirm_red_flag_override"' in flagged
        for form in (neural, flagged):
            assert form.count('name="csrfmiddlewaretoken"') == 1
