"""Discharging an episode ends what was running for it in other apps: the exercise plan is
completed (the dispatcher then sends no more of its reminders) and the return-to-run programme ends; the page says so first."""

import pytest
from django.urls import reverse

from exercises.models import ExercisePlan
from running.models import RunProgramme
from tests.exercises.factories import published_plan
from tests.patients.factories import EpisodeFactory
from tests.running.factories import programme

pytestmark = pytest.mark.django_db


@pytest.fixture
def episode():
    return EpisodeFactory()


def test_it_tells_the_clinician_what_discharge_will_end(therapist_client, therapist, episode):
    published_plan(therapist=therapist, episode=episode)
    programme(therapist=therapist, episode=episode)
    page = therapist_client.get(reverse("patients:episode_discharge", args=[episode.public_id]))
    text = page.content.decode()
    assert "Discharging completes the plan below" in text
    assert "Discharging ends the return-to-run programme" in text


def test_it_completes_the_plan_and_ends_the_programme_on_discharge(
    therapist_client, therapist, episode
):
    plan = published_plan(therapist=therapist, episode=episode)
    running = programme(therapist=therapist, episode=episode)
    response = therapist_client.post(
        reverse("patients:episode_discharge", args=[episode.public_id]),
        {"discharged_on": episode.started_on.isoformat(), "outcome": "resolved"},
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    running.refresh_from_db()
    assert plan.status == ExercisePlan.Status.COMPLETED
    assert running.status == RunProgramme.Status.ENDED
    assert running.end_reason == "The episode was discharged."
    # A completed plan's reminders are skipped when due, and its schedule ended, by the
    # dispatcher (tests/notifications/test_exercise_reminders.py).
