"""Sets with different repetitions (the Nordic build-up: 12, then 10, then 8) read as such
everywhere a dose is shown, and a therapist can set or clear them."""

import pytest
from django.urls import reverse

from exercises.dose import dose_text, reps_per_set_problem
from exercises.forms import PlanItemForm
from exercises.progress_services import PROGRESS, plan_item_progress
from exercises.services import plan_publish
from tests.exercises.factories import published_plan


@pytest.mark.parametrize(
    ("dose", "text"),
    [
        ({"sets": 3, "reps": 10, "reps_per_set": [12, 10, 8]}, "3 sets: 12, then 10, then 8"),
        ({"sets": 2, "reps_per_set": [5, 5]}, "2 sets: 5, then 5"),
        ({"sets": 1, "reps_per_set": [12]}, "1 set of 12"),
        ({"sets": 3, "reps": 10}, "3 sets of 10"),
        # a list that no longer fits the sets (sets changed later) is not shown as if it did
        ({"sets": 2, "reps": 10, "reps_per_set": [12, 10, 8]}, "2 sets of 10"),
        (
            {"sets": 3, "reps_per_set": [12, 10, 8], "times_per_day": 1, "days_per_week": 2},
            "3 sets: 12, then 10, then 8 · once a day · 2 days a week",
        ),
    ],
)
def test_it_reads_reps_set_by_set(dose, text):
    assert dose_text(dose) == text


@pytest.mark.parametrize(
    ("reps", "sets", "problem"),
    [
        ([12, 10, 8], 3, ""),
        ([12, 10], 3, "Give one number for each of the 3 sets."),
        ([12], 2, "Give one number for each of the 2 sets."),
        ([0, 10, 8], 3, "Each set's repetitions must be between 1 and 50."),
        ([60], 1, "Each set's repetitions must be between 1 and 50."),
    ],
)
def test_it_explains_a_list_that_cannot_be_used(reps, sets, problem):
    assert reps_per_set_problem(reps, sets) == problem


@pytest.mark.django_db
def test_it_progresses_nordics_to_twelve_ten_eight(therapist):
    plan = published_plan(therapist=therapist, codes=("EX-A07",))
    item = plan.items.get()
    version = plan_item_progress(item=item, direction=PROGRESS, user=therapist)
    entry = version.items[0]
    assert entry["dose"]["reps_per_set"] == [12, 10, 8]
    assert entry["dose_text"].startswith("3 sets: 12, then 10, then 8")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("12, 10", "Give one number for each of the 3 sets."),
        ("12, ten, 8", "Write whole numbers separated by commas, e.g. 12, 10, 8."),
        ("12, 10, 80", "Each set's repetitions must be between 1 and 50."),
    ],
)
def test_it_refuses_reps_per_set_that_do_not_fit_next_to_the_field(therapist, typed, error):
    plan = published_plan(therapist=therapist, codes=("EX-A07",))
    item = plan.items.get()
    form = PlanItemForm({"sets": "3", "reps_per_set": typed}, instance=item)
    assert not form.is_valid()
    assert form.errors["reps_per_set"] == [error]


@pytest.mark.django_db
def test_it_saves_reps_per_set_from_the_plan_page_and_shows_them_to_the_patient(
    therapist, therapist_client
):
    plan = published_plan(therapist=therapist, codes=("EX-A07",))
    item = plan.items.get()
    prefix = str(item.public_id)
    response = therapist_client.post(
        reverse("exercises:plan_doses", args=[plan.public_id]),
        {f"{prefix}-sets": "3", f"{prefix}-reps": "10", f"{prefix}-reps_per_set": "12 10 8"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    item.refresh_from_db()
    assert item.reps_per_set == [12, 10, 8]
    page = therapist_client.get(reverse("exercises:plan_detail", args=[plan.public_id]))
    assert 'value="12, 10, 8"' in page.content.decode()
    version = plan_publish(plan=plan, user=therapist)
    assert "3 sets: 12, then 10, then 8" in version.items[0]["dose_text"]

    # cleared: every set the same again
    therapist_client.post(
        reverse("exercises:plan_doses", args=[plan.public_id]),
        {f"{prefix}-sets": "3", f"{prefix}-reps": "10", f"{prefix}-reps_per_set": ""},
    )
    item.refresh_from_db()
    assert item.reps_per_set == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "text"),
    [
        ("EX-A04", "At least 1 rest day between sessions: never two days in a row, so 3 days"),
        ("EX-A05", "At least 2 rest days between sessions: every third day at most, so 2 days"),
    ],
)
def test_it_shows_the_rest_an_exercise_needs_on_its_library_page(therapist_client, code, text):
    from exercises.models import Exercise

    exercise = Exercise.objects.get(code=code)
    page = therapist_client.get(reverse("exercises:exercise_detail", args=[exercise.public_id]))
    assert text in page.content.decode()


@pytest.mark.django_db
def test_it_shows_no_rest_line_for_an_exercise_that_needs_none(therapist_client):
    from exercises.models import Exercise

    exercise = Exercise.objects.get(code="EX-G01")
    page = therapist_client.get(reverse("exercises:exercise_detail", args=[exercise.public_id]))
    assert "Rest between sessions" not in page.content.decode()
