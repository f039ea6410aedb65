"""Suggesting a plan from the confirmed diagnosis: the pure rule and the therapist's button."""

import pytest
from django.urls import reverse

from exercises.models import Exercise, ExercisePlan
from exercises.suggest import suggest_plan_items
from tests.exercises.factories import confirmed_decision
from tests.patients.factories import EpisodeFactory

pytestmark = pytest.mark.django_db


def suggest(final_dx, preference="none"):
    exercises = list(Exercise.objects.all())
    picked = suggest_plan_items(
        final_dx=final_dx, directional_preference=preference, exercises=exercises
    )
    return [exercise.code for exercise in picked]


def test_it_suggests_early_sliders_for_neural():
    codes = suggest("neural")
    assert codes == ["EX-N01", "EX-N02", "EX-N03", "EX-N04"]
    kinds = {Exercise.objects.get(code=code).kind for code in codes}
    assert kinds == {"slider"}


def test_it_puts_sliders_before_tensioners():
    class Fake:
        def __init__(self, code, kind):
            self.code, self.kind = code, kind
            self.tags, self.phases, self.directional_preference = ["neural"], ["early"], ""

    picked = suggest_plan_items(
        final_dx="neural",
        directional_preference="none",
        exercises=[Fake("A", "tensioner"), Fake("B", ""), Fake("C", "slider")],
    )
    assert [ex.code for ex in picked] == ["C", "B", "A"]


def test_it_suggests_extension_exercises_first_for_lumbar_extension():
    codes = suggest("lumbar", "extension")
    assert codes[:2] == ["EX-L01", "EX-L02"]
    assert 3 <= len(codes) <= 5
    assert "EX-L04" not in codes  # needs flexion


def test_it_suggests_flexion_exercises_first_for_lumbar_flexion():
    codes = suggest("lumbar", "flexion")
    assert codes[0] == "EX-L04"
    assert not {"EX-L01", "EX-L02"} & set(codes)
    assert 3 <= len(codes) <= 5


def test_it_suggests_only_direction_free_exercises_without_a_preference():
    codes = suggest("lumbar", "none")
    directions = {Exercise.objects.get(code=code).directional_preference for code in codes}
    assert directions == {""}
    assert 3 <= len(codes) <= 5


def test_it_suggests_early_loading_for_acute_strain():
    assert suggest("acute_strain") == ["EX-A01", "EX-A02", "EX-A03"]


def test_it_combines_sliders_and_lumbar_for_mixed():
    codes = suggest("mixed_neural_lumbar", "extension")
    assert codes == ["EX-N01", "EX-N02", "EX-L01", "EX-L02", "EX-L06"]


@pytest.mark.parametrize("final_dx", ["red_flag_referral", "other"])
def test_it_suggests_nothing_for_referral_or_other(final_dx):
    assert suggest(final_dx) == []


def test_it_never_suggests_archived_exercises(therapist):
    from exercises.services import plan_suggest

    Exercise.objects.filter(code="EX-N01").update(archived_at="2026-01-01T00:00Z")
    plan = plan_suggest(
        episode=EpisodeFactory(), user=therapist, final_dx="neural", directional_preference=""
    )
    assert "EX-N01" not in [item.exercise.code for item in plan.items.all()]


def test_it_prefills_a_draft_from_the_confirmed_diagnosis(therapist_client, therapist):
    episode = EpisodeFactory()
    confirmed_decision(
        episode=episode, therapist=therapist, final_dx="lumbar", directional_preference="extension"
    )
    response = therapist_client.post(
        reverse("exercises:plan_create", args=[episode.public_id]), {"mode": "suggest"}
    )
    plan = ExercisePlan.objects.get(episode=episode)
    assert response.url == reverse("exercises:plan_detail", args=[plan.public_id])
    assert plan.status == "draft"
    assert plan.current_version is None  # the patient sees nothing until it is published
    codes = [item.exercise.code for item in plan.items.order_by("position")]
    assert codes[:2] == ["EX-L01", "EX-L02"]


def test_it_refuses_to_suggest_without_a_confirmed_diagnosis(therapist_client):
    episode = EpisodeFactory()
    response = therapist_client.post(
        reverse("exercises:plan_create", args=[episode.public_id]), {"mode": "suggest"}, follow=True
    )
    assert not ExercisePlan.objects.exists()
    assert "Confirm a diagnosis" in response.content.decode()


def test_it_shows_the_confirmed_diagnosis_on_the_episode_plans_page(therapist_client, therapist):
    episode = EpisodeFactory()
    confirmed_decision(episode=episode, therapist=therapist, final_dx="neural")
    response = therapist_client.get(reverse("exercises:episode_plans", args=[episode.public_id]))
    assert "neural tissue sensitivity" in response.content.decode()


def test_it_hides_episode_plans_from_reception(reception_client):
    episode = EpisodeFactory()
    url = reverse("exercises:episode_plans", args=[episode.public_id])
    assert reception_client.get(url).status_code == 403
    create = reverse("exercises:plan_create", args=[episode.public_id])
    assert reception_client.post(create, {"mode": "empty"}).status_code == 403
    assert not ExercisePlan.objects.exists()


def test_it_starts_no_plan_on_a_discharged_episode(therapist_client):
    import datetime as dt

    episode = EpisodeFactory(status="discharged", discharged_on=dt.date(2026, 2, 1))
    response = therapist_client.post(
        reverse("exercises:plan_create", args=[episode.public_id]), {"mode": "empty"}, follow=True
    )
    assert "This episode is discharged" in response.content.decode()
    assert not ExercisePlan.objects.exists()
