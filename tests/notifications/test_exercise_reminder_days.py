"""The exercise reminder lists only what is due that local day, and is not sent on a day with
nothing due (a rest day): the delivery is skipped with its reason, as other skips are."""

import datetime as dt

import pytest
import time_machine
from django.core import mail

from exercises.models import ExercisePlan, PlanItem
from exercises.services import plan_create, plan_publish
from notifications.dispatch import reminders_dispatch
from notifications.models import ReminderDelivery, ReminderSchedule
from tests.exercises.factories import library
from tests.notifications.conftest import reschedule, utc
from tests.patients.factories import EpisodeFactory, PatientFactory

pytestmark = pytest.mark.django_db

Status = ReminderDelivery.Status
NOON = utc(2026, 6, 1, 12)  # Monday 1 June, 13:00 in London
GLIDER = "Askling Glider (standing slide)"
NORDIC = "Nordic lowers"


@pytest.fixture
def plan(therapist):
    """Glider every third day from Monday 1 June, Nordics on Wednesdays."""
    with time_machine.travel(NOON - dt.timedelta(days=3), tick=False):
        patient = PatientFactory(
            first_name="Jamie", email="jamie@runners.example", email_reminders_consent=True
        )
        plan = plan_create(
            episode=EpisodeFactory(patient=patient),
            user=therapist,
            exercises=library("EX-A05", "EX-A07"),
        )
        PlanItem.objects.filter(plan=plan, exercise__code="EX-A05").update(every_n_days=3)
        PlanItem.objects.filter(plan=plan, exercise__code="EX-A07").update(weekdays=[2])
        plan_publish(plan=plan, user=therapist)
    ExercisePlan.objects.filter(pk=plan.pk).update(start_date=dt.date(2026, 6, 1))
    schedule = ReminderSchedule.objects.get(source="exercise_plan", subject_id=plan.pk)
    schedule.times = ["13:00"]
    schedule.save()
    reschedule(schedule, after=NOON - dt.timedelta(minutes=1))
    return plan


def test_it_lists_only_what_is_due_that_day(plan):
    assert reminders_dispatch(now=NOON).sent == 1  # Monday: the Glider's day
    [email] = mail.outbox
    assert GLIDER in email.body
    assert NORDIC not in email.body


def test_it_is_not_sent_on_a_day_with_nothing_due(plan):
    reminders_dispatch(now=NOON)
    tuesday = NOON + dt.timedelta(days=1)
    result = reminders_dispatch(now=tuesday)
    assert (result.sent, result.skipped) == (0, 1)
    delivery = ReminderDelivery.objects.get(local_date=dt.date(2026, 6, 2))
    assert (delivery.status, delivery.reason) == (
        Status.SKIPPED,
        "No exercise is due that day (a rest day).",
    )
    assert len(mail.outbox) == 1  # Monday's only
    # Wednesday: the Nordics, not the Glider; the schedule carried on past the rest day
    reminders_dispatch(now=tuesday + dt.timedelta(days=1))
    assert len(mail.outbox) == 2
    assert NORDIC in mail.outbox[1].body
    assert GLIDER not in mail.outbox[1].body
