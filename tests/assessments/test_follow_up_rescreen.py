"""Every follow-up asks the red-flag questions again and re-examines the nerves, compares them
with the last visit, and a new red flag is suggested and confirmed as at intake (SPEC 3.9b;
issue 13, section 3)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from assessments import selectors
from assessments.diagnosis import diagnose
from assessments.forms import RED_FLAG_ITEMS
from assessments.models import Assessment, AssessmentDecision
from assessments.panels import patient_red_flag_action
from assessments.rescreen import rescreen_rows, rescreen_summary
from assessments.services import assessment_amend, decision_record
from exercises.models import ExercisePlan
from tests.assessments.factories import NEURAL_FINDINGS, AssessmentFactory
from tests.exercises.factories import published_plan

pytestmark = pytest.mark.django_db

# What a completed screen at intake stores: every question asked and answered "no".
SCREENED_INTAKE = {
    **NEURAL_FINDINGS,
    **dict.fromkeys(RED_FLAG_ITEMS, False),
    "neuro_exam": "unilateral_single_root_deficit",
    "neuro_deficit_progressing": False,
}
EMERGENCY_ACTION = "Send the patient to the emergency department now"


@pytest.fixture
def runner(therapist):
    """A runner treated for neural sensitivity, with a home-exercise plan running."""
    plan = published_plan(therapist=therapist)
    intake = AssessmentFactory(
        episode=plan.episode,
        therapist=therapist,
        final=True,
        findings=SCREENED_INTAKE,
        assessed_on=dt.date(2026, 11, 2),
    )
    decision_record(assessment=intake, by=therapist, final_dx="neural")
    return plan


def record_follow_up(client, episode, action="finalise", **answers):
    data = {"kind": "follow_up", "action": action, **answers}
    return client.post(reverse("assessments:create", args=[episode.public_id]), data)


def screen(**yes) -> dict[str, str]:
    """A completed follow-up screen: the named questions answered yes, the rest no."""
    answers = dict.fromkeys(RED_FLAG_ITEMS, "false")
    answers.update(dict.fromkeys(yes, "true"))
    return {"red_flag_screen_completed": "true", **answers}


def rescreen_row(response, name):
    return next(row for row in response.context["rescreen"] if row.name == name)


def test_it_suggests_an_emergency_for_new_saddle_numbness_and_holds_the_plan(
    therapist_client, runner
):
    response = record_follow_up(
        therapist_client,
        runner.episode,
        nprs_now="3",
        neuro_exam="unilateral_single_root_deficit",
        neuro_deficit_progressing="false",
        **screen(rf_saddle_anaesthesia=True),
    )
    follow_up = Assessment.objects.get(kind="follow_up")
    assert response.status_code == 302
    assert follow_up.is_final
    assert follow_up.rf_saddle_anaesthesia is True

    page = therapist_client.get(reverse("assessments:detail", args=[follow_up.public_id]))
    body = page.content.decode()
    assert "Red flag: Emergency" in body
    assert EMERGENCY_ACTION in body
    assert 'action="{}"'.format(reverse("assessments:decide", args=[follow_up.public_id])) in body
    row = rescreen_row(page, "rf_saddle_anaesthesia")
    assert (row.last, row.now, row.change, row.worse) == (
        "No",
        "Yes",
        "New since the last visit",
        True,
    )
    assert "New or worse since the last visit: Saddle numbness." in body

    therapist_client.post(
        reverse("assessments:decide", args=[follow_up.public_id]),
        {"clinician_final_dx": "red_flag_referral"},
    )
    decision = selectors.episode_confirmed_decision(episode=runner.episode)
    assert decision.assessment_id == follow_up.pk
    assert decision.final_dx == "red_flag_referral"
    assert decision.score_snapshot["tier"] == "emergency"
    assert patient_red_flag_action(decision).startswith("Go to the emergency department")
    runner.refresh_from_db()
    assert runner.status == ExercisePlan.Status.PAUSED
    assert runner.is_held


def test_it_makes_a_progressing_deficit_at_follow_up_an_emergency(therapist_client, runner):
    assert diagnose({"neuro_deficit_progressing": True}).tier == "emergency"
    record_follow_up(
        therapist_client,
        runner.episode,
        neuro_exam="bilateral_or_multi_root_deficit",
        neuro_deficit_progressing="true",
        **screen(),
    )
    follow_up = Assessment.objects.get(kind="follow_up")
    page = therapist_client.get(reverse("assessments:detail", args=[follow_up.public_id]))
    body = page.content.decode()
    assert "Red flag: Emergency" in body
    assert "Neurological deficit getting worse on examination" in body
    exam = rescreen_row(page, "neuro_exam")
    assert (exam.change, exam.worse) == ("Worse than the last visit", True)
    assert rescreen_row(page, "neuro_deficit_progressing").worse


def test_it_leaves_a_quiet_follow_up_without_a_new_diagnosis(therapist_client, runner):
    record_follow_up(
        therapist_client,
        runner.episode,
        nprs_now="2",
        neuro_exam="unilateral_single_root_deficit",
        neuro_deficit_progressing="false",
        **screen(),
    )
    follow_up = Assessment.objects.get(kind="follow_up")
    url = reverse("assessments:detail", args=[follow_up.public_id])
    page = therapist_client.get(url)
    body = page.content.decode()
    assert "No new red flags, and the neurological examination is unchanged." in body
    assert "Red flag:" not in body
    assert page.context["decision_form"] is None
    assert "Suggestion (for you to confirm" not in body
    assert not any(row.worse for row in page.context["rescreen"])

    refused = therapist_client.post(
        reverse("assessments:decide", args=[follow_up.public_id]),
        {"clinician_final_dx": "acute_strain", "override_reason": "Feels like a strain"},
    )
    assert refused.status_code == 302
    assert not AssessmentDecision.objects.filter(assessment=follow_up).exists()
    runner.refresh_from_db()
    assert runner.status == ExercisePlan.Status.ACTIVE


def test_it_refuses_to_finalise_a_follow_up_without_the_red_flag_screen(therapist_client, runner):
    response = record_follow_up(therapist_client, runner.episode, nprs_now="2")
    assert response.status_code == 200
    assert response.context["form"].errors["red_flag_screen_completed"] == [
        "Ask every red-flag question again and mark the screen completed before finalising "
        "a follow-up."
    ]
    assert "Ask every red-flag question again" in response.content.decode()
    assert not Assessment.objects.filter(kind="follow_up").exists()
    # A draft may still be saved part-way.
    assert record_follow_up(therapist_client, runner.episode, "draft", nprs_now="2").status_code
    assert Assessment.objects.get(kind="follow_up").status == "draft"


def test_it_finalises_a_red_flag_at_once_even_before_the_screen_is_finished(
    therapist_client, runner
):
    response = record_follow_up(therapist_client, runner.episode, rf_bladder_change="true")
    assert response.status_code == 302
    follow_up = Assessment.objects.get(kind="follow_up")
    assert follow_up.is_final
    page = therapist_client.get(reverse("assessments:detail", args=[follow_up.public_id]))
    assert page.context["decision_form"] is not None


def test_it_asks_afresh_and_shows_the_last_visits_answer_beside_each_question(
    therapist_client, runner
):
    url = reverse("assessments:create", args=[runner.episode.public_id])
    form = therapist_client.get(url, {"kind": "follow_up"}).context["form"]
    for name in (*RED_FLAG_ITEMS, "neuro_exam", "neuro_deficit_progressing"):
        assert form[name].value() is None, name
    assert "Last visit (2 Nov 2026): No." in form.fields["rf_saddle_anaesthesia"].help_text
    assert (
        "Last visit (2 Nov 2026): Deficit of one root, one side."
        in form.fields["neuro_exam"].help_text
    )


def test_it_compares_with_the_newest_visit_in_force_not_the_follow_ups_own_versions(
    therapist, runner
):
    intake = Assessment.objects.get(kind="intake")
    first = AssessmentFactory(
        episode=runner.episode,
        therapist=therapist,
        kind="follow_up",
        final=True,
        assessed_on=dt.date(2026, 11, 16),
        findings={"nprs_now": 3},
    )
    second = AssessmentFactory(
        episode=runner.episode,
        therapist=therapist,
        kind="follow_up",
        final=True,
        assessed_on=dt.date(2026, 11, 30),
    )
    assert selectors.assessment_last_visit(episode=runner.episode, assessment=first) == intake
    assert selectors.assessment_last_visit(episode=runner.episode, assessment=second) == first
    amended = assessment_amend(assessment=second, by=therapist, reason="Typo in pain score")
    assert selectors.assessment_last_visit(episode=runner.episode, assessment=amended) == first
    # Until the amendment is final, the version it amends is the one in force.
    assert selectors.assessment_last_visit(episode=runner.episode) == second


@pytest.mark.parametrize(
    ("last", "now", "summary"),
    [
        (
            {"neuro_exam": "bilateral_or_multi_root_deficit"},
            {"neuro_exam": "unilateral_single_root_deficit"},
            "No new red flags, and the neurological examination is better.",
        ),
        (
            {"rf_history_of_cancer": True, "neuro_exam": "normal"},
            {"rf_history_of_cancer": True, "neuro_exam": "normal"},
            "No new red flags, and the neurological examination is unchanged. Still present "
            "from the last visit: Cancer in the past.",
        ),
        (
            {"neuro_exam": "normal"},
            {"neuro_exam": "not_done"},
            "No new red flags. The neurological examination cannot be compared: it was not "
            "done at both visits.",
        ),
        (
            {"rf_calf_swelling_warmth": False, "neuro_exam": "normal"},
            {"rf_calf_swelling_warmth": True, "neuro_exam": "unilateral_single_root_deficit"},
            "New or worse since the last visit: Calf swollen and warm; Neurological examination.",
        ),
    ],
)
def test_it_says_in_words_what_changed_since_the_last_visit(last, now, summary):
    assert rescreen_summary(rescreen_rows(last, now)) == summary


def test_it_says_a_red_flag_has_gone_and_never_reads_not_recorded_as_no():
    rows = {
        row.name: row
        for row in rescreen_rows(
            {"rf_bladder_change": True, "rf_bowel_change": None}, {"rf_bladder_change": False}
        )
    }
    assert rows["rf_bladder_change"].change == "Gone"
    assert (rows["rf_bowel_change"].last, rows["rf_bowel_change"].now) == (
        "Not recorded",
        "Not recorded",
    )
    assert rows["rf_bowel_change"].change == "Not asked this time"
