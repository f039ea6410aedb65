"""Reminders through the real pipeline: Celery beat and worker processes, Redis, an SMTP server.

The worker runs as a separate process against the test database, so these tests commit their
data (transaction=True) and wait, with a time limit, for what arrives at the SMTP server.
"""

from __future__ import annotations

import datetime as dt
import time
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from notifications.models import ReminderDelivery, ReminderSchedule
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


def make_due(count: int, therapist) -> dict[str, object]:
    patients = {}
    for index in range(count):
        patient, _ = patient_with_plan(therapist, index)
        patients[patient.email] = patient
    ReminderSchedule.objects.update(next_due_at=timezone.now() - dt.timedelta(seconds=1))
    return patients


def settled(count: int) -> bool:
    return ReminderDelivery.objects.filter(status__in=[Status.SENT, Status.FAILED]).count() == count


def test_n_due_reminders_give_exactly_n_emails_with_working_links(
    therapist, smtp, processes: Processes, clean_broker
):
    count = 12
    patients = make_due(count, therapist)
    env = processes.env(broker=clean_broker(1), smtp_port=smtp.port)
    processes.worker(env, pool="prefork", concurrency=2)
    processes.beat(env)

    wait_for(
        lambda: smtp.count() >= count, timeout=60, what=f"{count} emails", details=processes.logs
    )
    wait_for(lambda: settled(count), timeout=20, what="deliveries marked sent")
    time.sleep(2)  # a few more dispatcher cycles: nothing else may arrive

    assert smtp.count() == count
    assert sorted(r for m in smtp.messages for r in m.rcpt_tos) == sorted(patients)
    assert set(ReminderDelivery.objects.values_list("status", flat=True)) == {Status.SENT}

    received = smtp.messages[0]
    patient = patients[received.rcpt_tos[0]]
    assert f"Hello {patient.first_name}" in received.text
    header = received.message["List-Unsubscribe"].strip().strip("<>")
    assert received.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    urls = received.urls()
    assert header in urls
    anonymous = Client()
    for url in urls:
        status = anonymous.get(urlsplit(url).path).status_code
        assert status in (200, 302), (url, status)  # the portal asks to log in first
    assert anonymous.post(urlsplit(header).path).status_code == 302
    schedule = ReminderSchedule.objects.get(patient=patient)
    assert schedule.unsubscribed_at is not None


def test_a_worker_killed_mid_batch_still_gives_exactly_n_emails(
    therapist, smtp, processes: Processes, clean_broker
):
    count = 10
    patients = make_due(count, therapist)
    env = processes.env(broker=clean_broker(2), smtp_port=smtp.port)
    killed = {}

    def kill_in_the_worst_moment(accepted: int) -> None:
        # The server has the 4th message but the worker has not heard "250" nor recorded it.
        if accepted == 4 and not killed:
            processes.kill(first)
            # Marked only once the worker is gone: the test thread checks it at once.
            killed["at"] = time.monotonic()

    smtp.on_accept = kill_in_the_worst_moment
    # One process, so the moment of the kill is exactly known (see the report for prefork).
    first = processes.worker(env, pool="solo", concurrency=1)
    processes.beat(env)
    wait_for(lambda: bool(killed), timeout=60, what="the 4th email", details=processes.logs)
    assert first.poll() is not None
    processes.worker(env, pool="prefork", concurrency=2)

    wait_for(lambda: settled(count), timeout=60, what="all sent", details=processes.logs)
    time.sleep(4)  # longer than the claim timeout: any re-send would have happened

    assert smtp.count() == count
    assert sorted(r for m in smtp.messages for r in m.rcpt_tos) == sorted(patients)
    unconfirmed = ReminderDelivery.objects.filter(last_error__startswith="Not confirmed")
    assert unconfirmed.count() == 1
    assert unconfirmed.get().status == Status.SENT
