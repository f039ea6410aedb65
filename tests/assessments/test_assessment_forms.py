"""Recording an assessment: drafts, field errors, finalising, and amendment instead of edits."""

import pytest
from django.urls import reverse

from assessments.forms import FindingsForm
from assessments.models import Assessment
from tests.assessments.factories import NEURAL_FINDINGS, AssessmentFactory
from tests.patients.factories import EpisodeFactory

pytestmark = pytest.mark.django_db


def test_it_gives_field_errors_for_bad_enum_values_and_out_of_range_numbers():
    form = FindingsForm(
        {"slump_test": "very_positive", "nprs_now": "11", "age_years": "5", "lefs_score": "-1"}
    )
    assert not form.is_valid()
    assert set(form.errors) == {"slump_test", "nprs_now", "age_years", "lefs_score"}


def test_it_rejects_an_unknown_multi_choice_value():
    form = FindingsForm({"pain_quality": ["sharp", "itchy"]})
    assert not form.is_valid()
    assert "pain_quality" in form.errors


def test_it_keeps_not_recorded_apart_from_no():
    form = FindingsForm({"felt_pop_or_tear": "unknown", "cough_sneeze_aggravates": "false"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["felt_pop_or_tear"] is None
    assert form.cleaned_data["cough_sneeze_aggravates"] is False


def test_it_reads_blank_red_flag_items_as_no_once_the_screen_is_complete():
    form = FindingsForm({"red_flag_screen_completed": "true", "rf_bladder_change": "true"})
    assert form.is_valid()
    assert form.cleaned_data["rf_bladder_change"] is True
    assert form.cleaned_data["rf_saddle_anaesthesia"] is False
    incomplete = FindingsForm({"red_flag_screen_completed": "unknown"})
    assert incomplete.is_valid()
    assert incomplete.cleaned_data["rf_saddle_anaesthesia"] is None


def test_it_saves_an_empty_draft(therapist_client):
    episode = EpisodeFactory()
    response = therapist_client.post(
        reverse("assessments:create", args=[episode.public_id]), {"action": "draft"}
    )
    assessment = Assessment.objects.get()
    assert response.status_code == 302
    assert assessment.status == "draft"
    assert assessment.findings() == {}


def test_it_shows_field_errors_without_saving(therapist_client):
    episode = EpisodeFactory()
    response = therapist_client.post(
        reverse("assessments:create", args=[episode.public_id]),
        {"action": "draft", "nprs_now": "12", "affected_side": "middle"},
    )
    assert response.status_code == 200
    assert {"nprs_now", "affected_side"} <= set(response.context["form"].errors)
    assert not Assessment.objects.exists()


def test_it_needs_the_essentials_to_finalise(therapist_client):
    episode = EpisodeFactory()
    response = therapist_client.post(
        reverse("assessments:create", args=[episode.public_id]), {"action": "finalise"}
    )
    assert {"red_flag_screen_completed", "affected_side"} <= set(response.context["form"].errors)
    therapist_client.post(
        reverse("assessments:create", args=[episode.public_id]),
        {"action": "finalise", "affected_side": "left", "red_flag_screen_completed": "true"},
    )
    assessment = Assessment.objects.get()
    assert assessment.is_final
    assert assessment.rf_bladder_change is False


def test_it_updates_a_draft(therapist_client, therapist):
    assessment = AssessmentFactory(therapist=therapist)
    therapist_client.post(
        reverse("assessments:edit", args=[assessment.public_id]),
        {"action": "draft", "slump_test": "negative", "pain_quality": ["sharp", "nipping"]},
    )
    assessment.refresh_from_db()
    assert assessment.slump_test == "negative"
    assert assessment.pain_quality == ["sharp", "nipping"]


def test_it_refuses_to_edit_a_final_assessment_in_place(therapist_client, neural_final):
    response = therapist_client.post(
        reverse("assessments:edit", args=[neural_final.public_id]),
        {"action": "draft", "slump_test": "negative"},
    )
    assert response.status_code == 302
    neural_final.refresh_from_db()
    assert neural_final.slump_test == "positive_differentiated"


def test_it_amends_by_a_new_version_and_keeps_the_old_one_readable(therapist_client, neural_final):
    response = therapist_client.post(
        reverse("assessments:amend", args=[neural_final.public_id]),
        {"reason": "Slump was re-tested with better differentiation"},
    )
    amendment = Assessment.objects.get(supersedes=neural_final)
    assert response.url == reverse("assessments:edit", args=[amendment.public_id])
    assert amendment.version == 2
    assert amendment.slump_test == "positive_differentiated"
    therapist_client.post(
        reverse("assessments:edit", args=[amendment.public_id]),
        {
            **{k: v for k, v in NEURAL_FINDINGS.items() if k != "red_flag_screen_completed"},
            "red_flag_screen_completed": "true",
            "slump_test": "negative",
            "action": "finalise",
        },
    )
    amendment.refresh_from_db()
    neural_final.refresh_from_db()
    assert amendment.is_final
    assert amendment.slump_test == "negative"
    assert neural_final.slump_test == "positive_differentiated"
    old_page = therapist_client.get(reverse("assessments:detail", args=[neural_final.public_id]))
    assert old_page.status_code == 200
    assert "It has been amended" in old_page.content.decode()


def test_it_amends_a_version_only_once(therapist_client, neural_final):
    url = reverse("assessments:amend", args=[neural_final.public_id])
    therapist_client.post(url, {"reason": "First"})
    therapist_client.post(url, {"reason": "Second"})
    assert Assessment.objects.filter(supersedes=neural_final).count() == 1


def test_it_compares_follow_up_measures_with_the_intake(therapist_client, therapist):
    intake = AssessmentFactory(
        therapist=therapist, final=True, findings={"lefs_score": 40, "nprs_now": 6}
    )
    follow_up = AssessmentFactory(
        therapist=therapist,
        episode=intake.episode,
        kind="follow_up",
        final=True,
        findings={"lefs_score": 55, "nprs_now": 2},
    )
    response = therapist_client.get(reverse("assessments:detail", args=[follow_up.public_id]))
    rows = {row["label"]: row for row in response.context["comparison"]}
    assert rows["LEFS"]["change"] == 15
    assert rows["LEFS"]["reading"] == "Improved"
    assert rows["Pain now (0-10)"]["change"] == -4
    assert rows["Pain now (0-10)"]["reading"] == "Improved"


def test_it_shows_small_changes_as_no_real_change_and_the_slr_side_difference(
    therapist_client, therapist
):
    intake = AssessmentFactory(
        therapist=therapist,
        final=True,
        findings={"slr_angle_affected_deg": 50, "slr_angle_other_deg": 80, "nprs_now": 5},
    )
    follow_up = AssessmentFactory(
        therapist=therapist,
        episode=intake.episode,
        kind="follow_up",
        final=True,
        findings={"slr_angle_affected_deg": 58, "slr_angle_other_deg": 80, "nprs_now": 4},
    )
    response = therapist_client.get(reverse("assessments:detail", args=[follow_up.public_id]))
    rows = {row["label"]: row for row in response.context["comparison"]}
    assert rows["SLR angle, affected side (degrees)"]["reading"] == "No real change"
    assert rows["Pain now (0-10)"]["reading"] == "No real change"
    sides = rows["SLR: affected side short of the other (°)"]
    assert (sides["baseline"], sides["now"], sides["change"]) == (30, 22, -8)
    assert sides["reading"] == "22° less than the other side: notable"
    assert "No real change" in response.content.decode()
