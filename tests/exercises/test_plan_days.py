"""Each plan item has its days: chosen by the therapist, or spread by the site, and never closer
together than the exercise's rest days (issue 16, item 2)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from exercises.models import Exercise, PlanItem
from exercises.services import plan_create, plan_publish
from tests.exercises.factories import library
from tests.patients.factories import EpisodeFactory, PatientFactory

pytestmark = pytest.mark.django_db


def draft(therapist, *codes):
    episode = EpisodeFactory(patient=PatientFactory())
    return plan_create(episode=episode, user=therapist, exercises=library(*codes))


def item_of(plan, code) -> PlanItem:
    return plan.items.select_related("exercise").get(exercise__code=code)


def doses_post(client, plan, code, **values):
    item = item_of(plan, code)
    data = {f"{item.public_id}-{name}": value for name, value in values.items()}
    data.setdefault(f"{item.public_id}-note", "")
    return client.post(reverse("exercises:plan_doses", args=[plan.public_id]), data)


def test_it_knows_the_library_rest_days():
    rest = dict(Exercise.objects.values_list("code", "min_rest_days"))
    assert (rest["EX-A04"], rest["EX-A05"], rest["EX-A06"], rest["EX-A07"]) == (1, 2, 1, 1)
    assert rest["EX-N01"] == 0


def test_it_refuses_two_days_in_a_row_for_the_diver_next_to_the_field(therapist_client, therapist):
    plan = draft(therapist, "EX-A04")
    response = doses_post(therapist_client, plan, "EX-A04", weekdays=["0", "1", "4"])
    assert response.status_code == 400
    body = response.content.decode()
    assert "at least 1 rest day between sessions: Monday and Tuesday are too close" in body
    assert item_of(plan, "EX-A04").weekdays == []  # nothing stored


def test_it_refuses_the_glider_more_often_than_every_third_day(therapist_client, therapist):
    plan = draft(therapist, "EX-A05")
    response = doses_post(therapist_client, plan, "EX-A05", every_n_days="2")
    assert response.status_code == 400
    assert "choose every 3 days or more" in response.content.decode()
    response = doses_post(therapist_client, plan, "EX-A05", days_per_week="4")
    assert response.status_code == 400
    assert "choose at most 2 days a week" in response.content.decode()
    item = item_of(plan, "EX-A05")
    assert (item.every_n_days, item.days_per_week) == (None, None)


def test_it_publishes_the_therapists_days_with_the_plan(therapist_client, therapist):
    plan = draft(therapist, "EX-A05", "EX-A07", "EX-N01")
    assert doses_post(therapist_client, plan, "EX-A05", every_n_days="3").status_code == 302
    assert doses_post(therapist_client, plan, "EX-A07", weekdays=["0", "3"]).status_code == 302
    version = plan_publish(plan=plan, user=therapist)
    schedules = {item["key"]: item["schedule"] for item in version.items}
    assert schedules == {
        "EX-A05": {"every_n_days": 3},
        "EX-A07": {"weekdays": [0, 3]},
        # no days chosen: the site spreads the library's 7 days a week
        "EX-N01": {"days_per_week": 7, "min_rest_days": 0},
    }
    # the editor shows the choice again: Monday and Thursday ticked
    page = therapist_client.get(reverse("exercises:plan_detail", args=[plan.public_id]))
    name = f'name="{item_of(plan, "EX-A07").public_id}-weekdays"'
    boxes = [tag for tag in re.findall(r"<input[^>]*>", page.content.decode()) if name in tag]
    ticked = [re.search(r'value="(\d)"', tag)[1] for tag in boxes if "checked" in tag]
    assert (len(boxes), ticked) == (7, ["0", "3"])
    assert "Days: Mondays and Thursdays · needs 1 rest day between sessions" in (
        page.content.decode()
    )


def test_the_print_view_shows_each_items_days(therapist_client, therapist):
    plan = draft(therapist, "EX-A05", "EX-A04", "EX-N01")
    doses_post(therapist_client, plan, "EX-A05", every_n_days="3")
    plan_publish(plan=plan, user=therapist)
    plan.start_date = dt.date(2026, 11, 30)  # a Monday
    plan.save(update_fields=["start_date"])
    body = therapist_client.get(reverse("exercises:plan_print", args=[plan.public_id])).content
    body = body.decode()
    assert "Days: Every 3 days" in body
    assert "Days: Mondays, Wednesdays and Saturdays" in body  # the Diver, spread
    assert "Days: Every day" in body


def test_the_clinic_sets_an_exercises_rest_days_in_the_library(therapist_client, therapist):
    data = {
        "code": "EX-T50",
        "name": "Single-leg bridge walkouts",
        "tags": ["acute_strain"],
        "phases": ["late"],
        "directional_preference": "",
        "kind": "",
        "sets": "3",
        "reps": "6",
        "days_per_week": "2",
        "instructions": "Lie on your back.\nWalk the heels out.",
    }
    url = reverse("exercises:exercise_create")
    response = therapist_client.post(url, data | {"min_rest_days": "7"})
    assert response.status_code == 200
    assert "less than or equal to 6" in response.content.decode()
    assert not Exercise.objects.filter(code="EX-T50").exists()
    assert therapist_client.post(url, data | {"min_rest_days": "2"}).status_code == 302
    assert therapist_client.post(url, data | {"code": "EX-T51", "name": "Other"}).status_code == 302
    rest = dict(
        Exercise.objects.filter(code__startswith="EX-T5").values_list("code", "min_rest_days")
    )
    assert rest == {"EX-T50": 2, "EX-T51": 0}  # empty means none
    plan = draft(therapist, "EX-T50")
    response = doses_post(therapist_client, plan, "EX-T50", weekdays=["0", "2"])
    assert "at least 2 rest days between sessions: Monday and Wednesday" in (
        response.content.decode()
    )
