"""The therapist's urgent-symptom email with real Celery processes and a real SMTP server:
the mail server is down when the patient reports, and back a little later."""

from __future__ import annotations

import time

import pytest
from aiosmtpd.controller import Controller
from django.test import Client
from django.urls import reverse

from exercises.models import SymptomReport
from exercises.selectors import patient_today
from notifications.models import ReminderDelivery
from tests.conftest import make_user
from tests.notifications.integration import (
    Processes,
    SmtpSink,
    free_port,
    patient_with_plan,
    require_real_services,
    wait_for,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _real_services():
    require_real_services()


def test_it_emails_the_therapist_exactly_once_after_the_mail_server_comes_back(
    therapist, processes: Processes, clean_broker
):
    patient, _plan = patient_with_plan(therapist, 0)
    patient.user = make_user("runner0-login@runners.example", "patient")
    patient.save()
    port = free_port()  # nothing listens here yet: the mail server is down
    env = processes.env(broker=clean_broker(7), smtp_port=port)
    processes.worker(env)
    processes.beat(env)

    client = Client()
    client.force_login(patient.user)
    response = client.post(
        reverse("portal:log"),
        {
            "date": patient_today(patient).isoformat(),
            "done_0": "on",
            "pain_during": "3",
            "pain_after": "4",
            "difficulty": "hard",
            "new_symptoms": ["saddle_numbness"],
        },
        follow=True,
    )
    # The patient is told what to do whatever the mail server is doing.
    assert "Go to the emergency department now." in response.content.decode()
    # And the therapist's alert is on the dashboard at once.
    client.force_login(therapist)
    dashboard = client.get(reverse("clinic:dashboard")).content.decode()
    assert ">Urgent symptom</span>" in dashboard

    report = SymptomReport.objects.get()
    wait_for(
        lambda: (
            ReminderDelivery.objects.filter(schedule__subject_id=report.pk, attempts__gte=1)
            .exclude(last_error="")
            .exists()
        ),
        timeout=30,
        what="a failed first attempt while the mail server is down",
        details=processes.logs,
    )
    sink = SmtpSink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        wait_for(lambda: sink.count() >= 1, timeout=60, what="the email", details=processes.logs)
        time.sleep(3)  # more dispatcher cycles and retries: nothing else may arrive
    finally:
        controller.stop()

    assert sink.count() == 1
    received = sink.messages[0]
    assert received.rcpt_tos == [therapist.email]
    assert "One of your patients reported an urgent symptom" in received.text
    assert patient.first_name not in received.text
    delivery = ReminderDelivery.objects.get(schedule__source="urgent_symptom")
    assert delivery.status == ReminderDelivery.Status.SENT
    assert delivery.attempts >= 2
