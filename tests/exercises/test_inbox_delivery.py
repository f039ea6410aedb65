"""A reply's email through the real pipeline: Celery beat and worker, Redis, an SMTP server.

The worker runs as a separate process against the test database, so this test commits its data
(transaction=True) and waits, with a time limit, for what arrives at the SMTP server.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from exercises.models import ExercisePlan, SessionLog
from notifications.models import ReminderDelivery
from tests.exercises.factories import log
from tests.notifications.integration import (
    Processes,
    clean_broker,  # noqa: F401 (fixture)
    patient_with_plan,
    processes,  # noqa: F401 (fixture)
    require_real_services,
    smtp,  # noqa: F401 (fixture)
    wait_for,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
SUBJECT = "You have a new message from Apex Clinic"


@pytest.fixture(autouse=True)
def _real_services():
    require_real_services()


def test_it_emails_a_reply_notice_once_even_when_the_mail_server_was_down(
    therapist,
    smtp,  # noqa: F811 (the fixture imported above)
    processes: Processes,  # noqa: F811
    clean_broker,  # noqa: F811
):
    patient, plan = patient_with_plan(therapist, 0)
    ExercisePlan.objects.filter(pk=plan.pk).update(
        start_date=timezone.localdate() - dt.timedelta(days=3)
    )
    plan.refresh_from_db()
    entry = log(plan, timezone.localdate() - dt.timedelta(days=1))
    SessionLog.objects.filter(pk=entry.pk).update(comment="My back aches after the bridges.")
    # The mail server turns the first attempt away (a temporary failure), then recovers.
    smtp.reply = lambda attempt: "451 4.3.0 Try again later" if attempt == 1 else None
    env = processes.env(broker=clean_broker(7), smtp_port=smtp.port)
    processes.worker(env, pool="prefork", concurrency=2)
    processes.beat(env)

    client = Client()
    client.force_login(therapist)
    response = client.post(
        reverse("exercises:comment_reply", args=[entry.public_id]),
        {"body": "Do half the bridges this week and tell me how it goes."},
    )
    assert response.status_code == 302

    def notices() -> list:
        return [m for m in smtp.messages if m.message["Subject"] == SUBJECT]

    wait_for(lambda: len(notices()) >= 1, timeout=60, what="the notice", details=processes.logs)
    time.sleep(4)  # longer than the claim timeout and several dispatcher cycles

    assert smtp.attempts >= 2, "the first attempt was turned away"
    assert len(notices()) == 1
    received = notices()[0]
    assert received.rcpt_tos == [patient.email]
    assert "Please sign in to read it" in received.text
    for clinical in ("bridges", "back aches", "half"):
        assert clinical not in received.text
    delivery = ReminderDelivery.objects.get(schedule__source="clinic_message")
    assert delivery.status == ReminderDelivery.Status.SENT
