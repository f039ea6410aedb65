"""Pinned query counts for the remaining therapist pages, with one and with many rows."""

import pytest
from django.urls import reverse

from exercises.models import Exercise
from exercises.services import plan_create
from tests.exercises.factories import library, published_plan
from tests.patients.factories import EpisodeFactory

pytestmark = pytest.mark.django_db
CODES = ["EX-N01", "EX-N02", "EX-N03", "EX-N04", "EX-G01"]
# The staff idle-timeout middleware saves the session on every staff request: savepoint,
# update, release.
SESSION_SAVE = 3
# The audit trail records which patient the page showed: one INSERT.
AUDIT = 1


def test_it_shows_an_exercise_in_a_fixed_number_of_queries(
    therapist_client, django_assert_num_queries
):
    exercise = Exercise.objects.get(code="EX-A03")
    # Queries: session, user, the exercise, its current video.
    with django_assert_num_queries(4 + SESSION_SAVE):
        therapist_client.get(reverse("exercises:exercise_detail", args=[exercise.public_id]))


@pytest.mark.parametrize("plans", [1, 4])
def test_it_lists_an_episodes_plans_in_a_fixed_number_of_queries(
    therapist_client, therapist, django_assert_num_queries, plans
):
    episode = EpisodeFactory()
    for _ in range(plans):
        plan_create(episode=episode, user=therapist, exercises=library("EX-N01"))
    # Queries: session, user, episode with patient, the confirmed decision, plans with
    # versions and authors.
    with django_assert_num_queries(5 + SESSION_SAVE + AUDIT):
        response = therapist_client.get(
            reverse("exercises:episode_plans", args=[episode.public_id])
        )
    assert response.content.decode().count("Plan started") == plans


@pytest.mark.parametrize("count", [1, 5])
def test_it_prints_a_plan_in_a_fixed_number_of_queries(
    therapist_client, therapist, django_assert_num_queries, count
):
    plan = published_plan(therapist=therapist, codes=CODES[:count])
    # Queries: session, user, plan with patient, episode and version (items are in it).
    with django_assert_num_queries(3 + SESSION_SAVE + AUDIT):
        response = therapist_client.get(reverse("exercises:plan_print", args=[plan.public_id]))
    assert response.content.decode().count("plan-sheet-item") == count


@pytest.mark.parametrize("count", [1, 5])
def test_it_prints_a_draft_in_a_fixed_number_of_queries(
    therapist_client, therapist, django_assert_num_queries, count
):
    plan = plan_create(episode=EpisodeFactory(), user=therapist, exercises=library(*CODES[:count]))
    # Queries: session, user, plan; the draft's items with their exercises.
    with django_assert_num_queries(4 + SESSION_SAVE + AUDIT):
        response = therapist_client.get(reverse("exercises:plan_print", args=[plan.public_id]))
    assert "Draft: not yet given to the patient" in response.content.decode()
    assert response.content.decode().count("plan-sheet-item") == count
