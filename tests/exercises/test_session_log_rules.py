"""The session-log service enforces its rules even without the portal form in front of it."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError

from exercises.services import plan_change_status, session_log_save
from tests.exercises.factories import published_plan

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def plan(therapist):
    with time_machine.travel(NOW, tick=False):
        yield published_plan(therapist=therapist, start_date=NOW.date() - dt.timedelta(days=7))


def save(plan, **overrides):
    values = {
        "patient": plan.patient,
        "plan": plan,
        "date": NOW.date(),
        "done": ["EX-N01"],
        "pain_during": 2,
        "pain_after": 2,
        "difficulty": "easy",
    }
    values.update(overrides)
    return session_log_save(**values)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"pain_during": 11}, "pain_during"),
        ({"pain_after": -1}, "pain_after"),
        ({"date": NOW.date() + dt.timedelta(days=1)}, "date"),
        ({"difficulty": "brutal"}, "difficulty"),
    ],
)
def test_it_rejects_bad_values(plan, overrides, field):
    with pytest.raises(ValidationError) as error:
        save(plan, **overrides)
    assert field in error.value.message_dict


def test_it_refuses_someone_elses_plan(plan, therapist):
    other = published_plan(therapist=therapist)
    with pytest.raises(ValidationError):
        save(plan, patient=other.patient)


def test_it_refuses_a_paused_plan(plan):
    plan = plan_change_status(plan=plan, action="pause")
    with pytest.raises(ValidationError):
        save(plan)


def test_it_ignores_exercises_that_are_not_in_the_version(plan):
    entry, created = save(plan, done=["EX-N01", "EX-A07"])
    assert created
    assert entry.done == ["EX-N01"]


def test_it_updates_rather_than_duplicates_a_day(plan):
    first, created = save(plan, pain_during=6)
    second, created_again = save(plan, pain_during=1)
    assert (created, created_again) == (True, False)
    assert first.pk == second.pk
    assert plan.session_logs.count() == 1
    assert second.history.count() == 2  # the change is kept in the log's history
