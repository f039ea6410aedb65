"""The portal's "today" lists only the exercises due today in the patient's own time zone, says
when the others are next due, and the session log offers the day's due exercises first."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from exercises.models import ExercisePlan, PlanItem, PlanVersion
from exercises.selectors import plan_adherence
from exercises.services import plan_create, plan_publish
from tests.exercises.factories import library, log
from tests.patients.factories import EpisodeFactory, PatientFactory

pytestmark = pytest.mark.django_db
# Tuesday 10 March 2026, 12:00 UTC: noon in London, already Wednesday 01:00 in Auckland.
NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
TODAY = NOW.date()
GLIDER = "Askling Glider (standing slide)"
CYCLING = "Easy cycling"


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def glider_plan(therapist, patient, start: dt.date) -> ExercisePlan:
    """Glider every third day from `start`, easy cycling every day."""
    plan = plan_create(
        episode=EpisodeFactory(patient=patient),
        user=therapist,
        exercises=library("EX-A05", "EX-G01"),
    )
    PlanItem.objects.filter(plan=plan, exercise__code="EX-A05").update(every_n_days=3)
    plan_publish(plan=plan, user=therapist)
    ExercisePlan.objects.filter(pk=plan.pk).update(start_date=start)
    plan.refresh_from_db()
    return plan


def home(client, patient):
    client.force_login(patient.user)
    return client.get(reverse("portal:home")).content.decode()


def today_list(body: str) -> str:
    """The section's list of today's exercises (not the "Not today" list after it)."""
    section = body.split('class="list-unstyled portal-exercises"')[1]
    # each card's stop rules are a <section> of their own: cut at what follows the list
    for end in ('<h3 class="h6">Not today</h3>', '<div class="row g-3">'):
        section = section.split(end)[0]
    return section


@pytest.fixture
def patient(patient_user):
    return PatientFactory(user=patient_user, first_name="Pat", time_zone="Europe/London")


def test_it_lists_only_what_is_due_today_and_when_the_rest_is_next(
    client, therapist, patient, frozen
):
    glider_plan(therapist, patient, start=TODAY - dt.timedelta(days=1))  # due Mon, Thu, Sun
    body = home(client, patient)
    assert CYCLING in today_list(body)
    assert GLIDER not in today_list(body)
    assert f"{GLIDER}: next on Thursday" in body
    assert "Days: Every day" in body


def test_it_lists_an_exercise_on_its_day(client, therapist, patient, frozen):
    glider_plan(therapist, patient, start=TODAY - dt.timedelta(days=3))
    body = home(client, patient)
    assert GLIDER in today_list(body)
    assert "Days: Every 3 days" in body
    assert "next on" not in body


def test_it_counts_today_in_the_patients_own_time_zone(client, therapist, patient_user, frozen):
    # Glider due on 8 and 11 March: not on London's Tuesday 10th, but Auckland is on the 11th
    patient = PatientFactory(user=patient_user, time_zone="Pacific/Auckland")
    glider_plan(therapist, patient, start=dt.date(2026, 3, 8))
    assert GLIDER in today_list(home(client, patient))


def test_it_says_when_nothing_is_due_today(client, therapist, patient, frozen):
    plan = plan_create(
        episode=EpisodeFactory(patient=patient), user=therapist, exercises=library("EX-A07")
    )
    PlanItem.objects.filter(plan=plan).update(weekdays=[0])  # Nordics on Mondays
    plan_publish(plan=plan, user=therapist)
    body = home(client, patient)
    assert "Nothing is due today" in body
    assert "Nordic lowers: next on Monday" in body


def test_it_shows_every_item_every_day_for_a_version_published_before_days(
    client, therapist, patient, frozen
):
    plan = glider_plan(therapist, patient, start=TODAY - dt.timedelta(days=1))
    version = plan.current_version
    PlanVersion.objects.filter(pk=version.pk).update(
        items=[{k: v for k, v in item.items() if k != "schedule"} for item in version.items]
    )
    body = home(client, patient)
    assert GLIDER in today_list(body)
    assert CYCLING in today_list(body)


def test_the_log_offers_todays_exercises_and_records_an_extra_one(
    client, therapist, patient, frozen
):
    plan = glider_plan(therapist, patient, start=TODAY - dt.timedelta(days=1))
    client.force_login(patient.user)
    body = client.get(reverse("portal:log")).content.decode()
    assert f"I did: {CYCLING}" in body
    assert f"I also did: {GLIDER} (not due that day)" in body
    assert body.index(CYCLING) < body.index(GLIDER)  # the day's exercises first
    response = client.post(
        reverse("portal:log"),
        {
            "date": TODAY.isoformat(),
            "done_0": "on",  # the Glider, on its rest day
            "done_1": "on",
            "pain_during": "1",
            "pain_after": "1",
            "difficulty": "easy",
        },
    )
    assert response.status_code == 302
    saved = plan.session_logs.get()
    assert saved.done == ["EX-A05", "EX-G01"]  # recorded as it happened
    week = plan_adherence(plan=plan).series[0]
    # the week from Monday 9th: Glider due on the 9th, 12th and 15th, cycling all 7 days;
    # only today's cycling counts as done (the extra Glider was not due)
    assert (week.doses_done, week.doses_due) == (1, 10)


def test_adherence_counts_a_due_glider_done(client, therapist, patient, frozen):
    plan = glider_plan(therapist, patient, start=TODAY - dt.timedelta(days=1))
    log(plan, TODAY - dt.timedelta(days=1))  # Monday 9th: both due, both done
    week = plan_adherence(plan=plan).series[0]
    assert (week.doses_done, week.doses_due) == (2, 10)
