"""Editing, publishing and printing a plan; a log always points at the version given."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from exercises.models import ExercisePlan, PlanVersion
from exercises.services import plan_doses_update, plan_item_add, plan_publish
from tests.exercises.factories import library, log, published_plan
from tests.patients.factories import EpisodeFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)


def plan_url(plan, name="plan_detail"):
    return reverse(f"exercises:{name}", args=[plan.public_id])


def test_it_creates_version_one_on_first_publish(therapist_client):
    episode = EpisodeFactory()
    therapist_client.post(
        reverse("exercises:plan_create", args=[episode.public_id]), {"mode": "empty"}
    )
    plan = ExercisePlan.objects.get(episode=episode)
    exercise = library("EX-N01")[0]
    therapist_client.post(plan_url(plan, "plan_item_add"), {"exercise": exercise.public_id})
    therapist_client.post(plan_url(plan, "plan_publish"))
    plan.refresh_from_db()
    assert plan.status == "active"
    assert plan.current_version.number == 1
    assert plan.current_version.items[0]["key"] == "EX-N01"
    assert plan.start_date is not None


def test_it_keeps_the_earlier_version_when_a_changed_plan_is_published(therapist):
    with time_machine.travel(NOW, tick=False):
        plan = published_plan(therapist=therapist)
        first = plan.current_version
        old_log = log(plan, NOW.date())
        item = plan.items.get(exercise__code="EX-N01")
        plan_doses_update(plan=plan, doses={item: {"note": "Slower", "sets": 3, "reps": 15}})
        second = plan_publish(plan=plan, user=therapist)

    assert second.number == 2
    assert PlanVersion.objects.filter(plan=plan).count() == 2
    first.refresh_from_db()
    assert first.items[0]["dose"]["sets"] == 2  # the earlier version is untouched
    assert second.items[0]["dose"]["sets"] == 3
    assert second.items[0]["note"] == "Slower"
    old_log.refresh_from_db()
    assert old_log.version == first


def test_it_points_a_new_log_at_the_version_in_force(therapist):
    with time_machine.travel(NOW, tick=False):
        plan = published_plan(therapist=therapist, start_date=NOW.date() - dt.timedelta(days=3))
        first_log = log(plan, NOW.date() - dt.timedelta(days=1))
        plan_item_add(plan=plan, exercise=library("EX-G01")[0])
        plan_publish(plan=plan, user=therapist)
        plan.refresh_from_db()
        second_log = log(plan, NOW.date())
    assert first_log.version.number == 1
    assert second_log.version.number == 2
    assert second_log.item_count == 4


def test_it_does_not_add_a_version_when_nothing_changed(therapist):
    plan = published_plan(therapist=therapist)
    again = plan_publish(plan=plan, user=therapist)
    assert again == plan.current_version
    assert plan.versions.count() == 1


def test_it_refuses_to_publish_an_empty_plan(therapist_client, therapist):
    from exercises.services import plan_create

    plan = plan_create(episode=EpisodeFactory(), user=therapist)
    response = therapist_client.post(plan_url(plan, "plan_publish"), follow=True)
    plan.refresh_from_db()
    assert plan.status == "draft"
    assert "at least one exercise" in response.content.decode()


def test_it_keeps_only_one_active_plan_per_episode(therapist):
    plan = published_plan(therapist=therapist)
    from exercises.services import plan_create

    second = plan_create(episode=plan.episode, user=therapist, exercises=library("EX-N04"))
    plan_publish(plan=second, user=therapist)
    plan.refresh_from_db()
    assert plan.status == "paused"
    assert ExercisePlan.objects.get(pk=second.pk).status == "active"


def test_it_edits_dose_reorders_and_removes_items(therapist_client, therapist):
    plan = published_plan(therapist=therapist)
    items = list(plan.items.order_by("position"))
    prefix = str(items[0].public_id)
    response = therapist_client.post(
        reverse("exercises:plan_doses", args=[plan.public_id]),
        {f"{prefix}-sets": "3", f"{prefix}-reps": "12", f"{prefix}-note": "Keep it gentle"},
    )
    assert response.status_code == 302
    items[0].refresh_from_db()
    assert (items[0].sets, items[0].reps, items[0].note) == (3, 12, "Keep it gentle")
    assert items[0].dose()["times_per_day"] == 2  # unset fields fall back to the library

    therapist_client.post(
        reverse("exercises:plan_item_move", args=[plan.public_id, items[2].public_id]),
        {"direction": "up"},
    )
    codes = [item.exercise.code for item in plan.items.order_by("position")]
    assert codes == ["EX-N01", "EX-N03", "EX-N02"]

    therapist_client.post(
        reverse("exercises:plan_item_remove", args=[plan.public_id, items[1].public_id])
    )
    assert [item.exercise.code for item in plan.items.order_by("position")] == [
        "EX-N01",
        "EX-N03",
    ]
    # The patient still sees version 1 until the therapist publishes again.
    plan.refresh_from_db()
    assert len(plan.current_version.items) == 3


def test_it_refuses_changes_to_a_completed_plan(therapist):
    plan = published_plan(therapist=therapist)
    from exercises.services import plan_change_status

    plan = plan_change_status(plan=plan, action="complete")
    with pytest.raises(ValidationError):
        plan_item_add(plan=plan, exercise=library("EX-G01")[0])


def test_it_prints_the_published_version(therapist_client, therapist):
    plan = published_plan(therapist=therapist)
    plan_item_add(plan=plan, exercise=library("EX-G01")[0])  # a draft change, unpublished
    response = therapist_client.get(plan_url(plan, "plan_print"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Version 1" in body
    assert plan.current_version.items[0]["name"] in body
    assert library("EX-G01")[0].name not in body
    assert "css/print.css" in body


@pytest.mark.parametrize("name", ["plan_detail", "plan_print"])
def test_it_keeps_plans_from_reception_and_patients(
    client, reception, patient_user, therapist, name
):
    plan = published_plan(therapist=therapist)
    url = plan_url(plan, name)
    assert client.get(url).status_code == 302  # anonymous: to the login page
    for user, refused in ((reception, 403), (patient_user, 404)):
        client.force_login(user)
        assert client.get(url).status_code == refused
    client.force_login(therapist)
    assert client.get(url).status_code == 200


def test_it_answers_404_for_an_unknown_plan(therapist_client):
    url = reverse("exercises:plan_detail", args=["00000000-0000-0000-0000-000000000000"])
    assert therapist_client.get(url).status_code == 404


def test_it_lets_the_manager_publish(manager_client, manager):
    plan = published_plan(therapist=manager)
    item = plan.items.first()
    plan_doses_update(plan=plan, doses={item: {"note": "Manager note"}})
    manager_client.post(plan_url(plan, "plan_publish"))
    plan.refresh_from_db()
    assert plan.current_version.number == 2


@pytest.mark.parametrize("count", [1, 5])
def test_it_shows_the_plan_page_in_a_fixed_number_of_queries(
    therapist_client, therapist, django_assert_num_queries, count
):
    codes = ["EX-N01", "EX-N02", "EX-N03", "EX-N04", "EX-G01"][:count]
    with time_machine.travel(NOW, tick=False):
        plan = published_plan(
            therapist=therapist, codes=codes, start_date=NOW.date() - dt.timedelta(days=40)
        )
        for week in range(count):
            log(plan, NOW.date() - dt.timedelta(days=week * 7))
        for reps in range(11, 10 + count):  # one published version per row as well
            plan_doses_update(plan=plan, doses={plan.items.first(): {"reps": reps}})
            plan_publish(plan=plan, user=therapist)
        # Queries: session, user, plan (+patient, episode, version, author), items with
        # exercises, weekly stats, acknowledged alerts, symptom reports, the add form's
        # exercise choices, versions with publishers, the recent logs the progress suggestions
        # read; then the staff idle-timeout session save (savepoint, update, release).
        with django_assert_num_queries(14):  # the last query: the audit event INSERT
            response = therapist_client.get(plan_url(plan))
    assert response.status_code == 200
    assert response.content.decode().count('class="card mb-2 plan-item"') == count


def test_it_changes_dates_and_recounts_the_weeks(therapist_client, therapist):
    with time_machine.travel(NOW, tick=False):
        plan = published_plan(therapist=therapist, start_date=NOW.date() - dt.timedelta(days=10))
        log(plan, NOW.date() - dt.timedelta(days=3))
        url = plan_url(plan, "plan_dates")
        new_start = NOW.date() - dt.timedelta(days=5)
        therapist_client.post(url, {"start_date": new_start.isoformat(), "end_date": ""})
    plan.refresh_from_db()
    assert plan.start_date == new_start
    assert list(plan.weeks.values_list("week_start", "sessions_logged")) == [(new_start, 1)]


@pytest.mark.parametrize(
    ("start_days_ago", "end_days_ago", "message"),
    [
        (1, None, "already logged on"),  # a log 3 days ago would fall before the start
        (10, 5, "already logged on"),  # ...or after the end
        (10, 12, "on or after the start date"),
        (None, None, "needs a start date"),
    ],
)
def test_it_explains_dates_it_cannot_accept(
    therapist_client, therapist, start_days_ago, end_days_ago, message
):
    def ago(days):
        return "" if days is None else (NOW.date() - dt.timedelta(days=days)).isoformat()

    with time_machine.travel(NOW, tick=False):
        plan = published_plan(therapist=therapist, start_date=NOW.date() - dt.timedelta(days=10))
        log(plan, NOW.date() - dt.timedelta(days=3))
        response = therapist_client.post(
            plan_url(plan, "plan_dates"),
            {"start_date": ago(start_days_ago), "end_date": ago(end_days_ago)},
            follow=True,
        )
    assert message in response.content.decode()
    plan.refresh_from_db()
    assert plan.start_date == NOW.date() - dt.timedelta(days=10)


def test_it_refuses_the_same_exercise_twice(therapist_client, therapist):
    plan = published_plan(therapist=therapist)
    exercise = library("EX-N01")[0]
    response = therapist_client.post(
        plan_url(plan, "plan_item_add"), {"exercise": exercise.public_id}, follow=True
    )
    assert "already in this plan" in response.content.decode()
    assert plan.items.filter(exercise=exercise).count() == 1
