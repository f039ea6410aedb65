"""Exercise plans as a reminder source: the plan's rules, and what the email says."""

import datetime as dt

import pytest
import time_machine
from django.core import mail

from exercises.models import ExercisePlan
from exercises.services import plan_change_status
from notifications.dispatch import reminders_dispatch
from notifications.models import ReminderDelivery, ReminderSchedule
from tests.exercises.factories import log, published_plan
from tests.notifications.conftest import reschedule, utc
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

Status = ReminderDelivery.Status
NOON = utc(2026, 6, 1, 12)  # 13:00 in London


@pytest.fixture
def plan(therapist):
    with time_machine.travel(NOON - dt.timedelta(days=3), tick=False):
        patient = PatientFactory(
            first_name="Jamie", email="jamie@runners.example", email_reminders_consent=True
        )
        return published_plan(therapist=therapist, patient=patient)


def at_one_pm(plan) -> ReminderSchedule:
    schedule = ReminderSchedule.objects.get(source="exercise_plan", subject_id=plan.pk)
    schedule.times = ["13:00"]
    schedule.save()
    return reschedule(schedule, after=NOON - dt.timedelta(minutes=1))


def dispatch(moment=NOON):
    return reminders_dispatch(now=moment)


def test_publishing_a_plan_creates_its_schedule_from_the_patient(plan):
    schedule = ReminderSchedule.objects.get(source="exercise_plan", subject_id=plan.pk)
    assert schedule.patient == plan.patient
    assert schedule.time_zone == plan.patient.time_zone
    assert schedule.times == ["18:00"]
    assert schedule.next_due_at is not None


def test_it_emails_todays_exercises_with_doses_and_links(plan, settings):
    settings.SITE_URL = "https://clinic.example"
    at_one_pm(plan)
    assert dispatch().sent == 1
    [email] = mail.outbox
    assert email.to == ["jamie@runners.example"]
    text = email.body
    html = email.alternatives[0][0]
    assert "Hello Jamie" in text
    for item in plan.current_version.items:
        assert item["name"] in text
        assert item["name"] in html
        assert item["dose_text"] in text
    assert "https://clinic.example/portal/" in text
    unsubscribe = email.extra_headers["List-Unsubscribe"]
    assert unsubscribe.startswith("<https://clinic.example/portal/reminders/unsubscribe/")
    assert unsubscribe.strip("<>") in text
    assert unsubscribe.strip("<>") in html
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_the_message_holds_no_clinical_detail(plan):
    at_one_pm(plan)
    dispatch()
    body = mail.outbox[0].body.lower() + mail.outbox[0].alternatives[0][0].lower()
    for word in ("diagnos", "assessment", "episode", "pain", "red flag", "confirmed"):
        assert word not in body


def test_no_reminder_once_todays_session_is_logged(plan):
    at_one_pm(plan)
    with time_machine.travel(NOON - dt.timedelta(hours=2), tick=False):
        log(plan, dt.date(2026, 6, 1))
    dispatch()
    delivery = ReminderDelivery.objects.get()
    assert (delivery.status, delivery.reason) == (
        Status.SKIPPED,
        "Today's session is already logged.",
    )
    assert mail.outbox == []


def test_no_reminder_while_the_plan_is_paused(plan):
    at_one_pm(plan)
    plan_change_status(plan=plan, action="pause")
    dispatch()
    assert ReminderDelivery.objects.get().reason == "The exercise plan is paused."


def test_a_completed_plan_stops_its_reminders(plan):
    schedule = at_one_pm(plan)
    plan_change_status(plan=plan, action="complete")
    dispatch()
    assert ReminderDelivery.objects.get().reason == "The exercise plan is completed."
    schedule.refresh_from_db()
    assert schedule.next_due_at is None
    assert dispatch(NOON + dt.timedelta(days=1)).created == 0


def test_no_reminder_before_the_plan_starts_or_after_it_ends(plan):
    at_one_pm(plan)
    ExercisePlan.objects.filter(pk=plan.pk).update(start_date=dt.date(2026, 6, 2))
    dispatch()
    assert ReminderDelivery.objects.get().reason == "The exercise plan has not started yet."
    ExercisePlan.objects.filter(pk=plan.pk).update(
        start_date=dt.date(2026, 5, 1), end_date=dt.date(2026, 6, 1)
    )
    dispatch(NOON + dt.timedelta(days=1))
    latest = ReminderDelivery.objects.order_by("-due_at").first()
    assert latest.reason == "The exercise plan has ended."
    assert mail.outbox == []


def test_a_second_plan_inherits_the_patients_reminder_settings(plan, therapist):
    first = at_one_pm(plan)
    first.quiet_start, first.quiet_end = dt.time(22), dt.time(7)
    first.save()
    second = published_plan(therapist=therapist, patient=plan.patient)
    schedule = ReminderSchedule.objects.get(source="exercise_plan", subject_id=second.pk)
    assert schedule.times == ["13:00"]
    assert (schedule.quiet_start, schedule.quiet_end) == (dt.time(22), dt.time(7))
