"""A confirmed red-flag referral stops the exercise reminders at once, through the real
pipeline (Celery beat and worker processes, Redis, an SMTP server); after a clinician resumes
the plan with a reason, the next reminder goes out. SPEC 3.9b, amendment 26."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from exercises.models import ExercisePlan
from exercises.services import plan_resume_after_hold
from notifications.models import ReminderDelivery, ReminderSchedule
from tests.assessments.factories import NEURAL_FINDINGS, AssessmentFactory
from tests.notifications.integration import (
    Processes,
    patient_with_plan,
    require_real_services,
    wait_for,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

Status = ReminderDelivery.Status


@pytest.fixture(autouse=True)
def _real_services():
    require_real_services()


def due_now(schedule: ReminderSchedule, *, not_in_minute_of: dt.datetime | None = None):
    """Make the reminder fall due now; reminders are identified by their minute, so the second
    one waits for a new minute if need be."""
    at = timezone.now() - dt.timedelta(seconds=1)
    if not_in_minute_of is not None:
        at = max(at, not_in_minute_of.replace(second=0, microsecond=0) + dt.timedelta(minutes=1))
    ReminderSchedule.objects.filter(pk=schedule.pk).update(next_due_at=at)
    return at


def test_no_reminder_is_sent_after_a_red_flag_is_confirmed_until_the_plan_resumes(
    therapist, smtp, processes: Processes, clean_broker
):
    patient, plan = patient_with_plan(therapist, 0)
    schedule = ReminderSchedule.objects.get(patient=patient)
    env = processes.env(broker=clean_broker(9), smtp_port=smtp.port)
    processes.worker(env)
    processes.beat(env)

    assessment = AssessmentFactory(
        episode=plan.episode,
        therapist=therapist,
        final=True,
        findings={**NEURAL_FINDINGS, "rf_bladder_change": True},
    )
    client = Client()
    client.force_login(therapist)
    response = client.post(
        reverse("assessments:decide", args=[assessment.public_id]),
        {"clinician_final_dx": "red_flag_referral"},
    )
    assert response.status_code == 302
    confirmed_at = timezone.now()
    time.sleep(1.1)

    first_due = due_now(schedule)
    assert first_due > confirmed_at
    wait_for(
        lambda: ReminderDelivery.objects.filter(status__in=[Status.SKIPPED, Status.SENT]).exists(),
        timeout=60,
        what="the reminder after the confirmation to be judged",
        details=processes.logs,
    )
    time.sleep(3)  # several more dispatcher cycles: nothing may arrive
    assert smtp.count() == 0
    skipped = ReminderDelivery.objects.get()
    assert skipped.reason == "The exercise plan is paused."

    plan = plan_resume_after_hold(
        plan=ExercisePlan.objects.get(pk=plan.pk),
        user=therapist,
        reason="Seen by the GP: no cauda equina signs, cleared to exercise.",
    )
    due_now(schedule, not_in_minute_of=first_due)
    wait_for(lambda: smtp.count() >= 1, timeout=120, what="the reminder after the resume")
    wait_for(
        lambda: ReminderDelivery.objects.filter(status=Status.SENT).count() == 1,
        timeout=20,
        what="the delivery marked sent",
        details=processes.logs,
    )
    time.sleep(2)
    assert smtp.count() == 1
    assert smtp.messages[0].rcpt_tos == [patient.email]
