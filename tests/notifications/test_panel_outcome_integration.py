"""The patient page's reminder panel shows a delivery's outcome on the first view after it is
recorded, with the real pipeline: Celery beat and worker processes, Redis, an SMTP server.

The claim, the handover and the final record are written by the worker with `QuerySet.update`
within the same second; a page that kept the panel while it said "Being sent" must not keep
showing that once the message is sent.
"""

from __future__ import annotations

import re
import threading

import pytest
from django.urls import reverse

from notifications.models import ReminderDelivery, ReminderSchedule
from tests.notifications.integration import (
    Processes,
    patient_with_plan,
    require_real_services,
    wait_for,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

Status = ReminderDelivery.Status


def _panel(client, patient) -> str:
    response = client.get(reverse("patients:detail", args=[patient.public_id]))
    assert response.status_code == 200
    html = response.content.decode()
    panel = re.search(r'id="reminders-heading">.*?</section>', html, re.S)
    assert panel is not None, "the reminder panel is missing"
    return panel.group(0)


def test_it_shows_the_outcome_on_the_next_view_after_delivery(
    therapist_client, therapist, smtp, processes: Processes, clean_broker
):
    require_real_services()
    from django.utils import timezone

    patient, _ = patient_with_plan(therapist, 0)
    ReminderSchedule.objects.update(next_due_at=timezone.now())
    # Hold the SMTP server's answer until the page has been seen while the message is out.
    received, seen = threading.Event(), threading.Event()
    smtp.on_accept = lambda count: (received.set(), seen.wait(30))
    env = processes.env(broker=clean_broker(3), smtp_port=smtp.port)
    processes.worker(env, concurrency=1)
    processes.beat(env)

    wait_for(received.is_set, timeout=60, what="the reminder email", details=processes.logs)
    assert Status.SENDING.label in _panel(therapist_client, patient)
    seen.set()
    wait_for(
        lambda: ReminderDelivery.objects.filter(patient=patient, status=Status.SENT).exists(),
        timeout=30,
        what="the delivery recorded as sent",
        details=processes.logs,
    )

    panel = _panel(therapist_client, patient)
    assert Status.SENT.label in panel
    assert Status.SENDING.label not in panel
