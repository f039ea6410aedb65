"""A mail server that refuses for a while, or for good, with real Celery processes."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from django.urls import reverse

from notifications.models import ReminderDelivery
from tests.notifications.integration import Processes, require_real_services, wait_for
from tests.notifications.test_integration_delivery import make_due, settled

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

Status = ReminderDelivery.Status


@pytest.fixture(autouse=True)
def _real_services():
    require_real_services()


def test_temporary_failures_are_retried_until_the_server_recovers(
    therapist, smtp, processes: Processes, clean_broker
):
    count = 4
    patients = make_due(count, therapist)
    window = {}

    def busy_for_a_while(attempt: int) -> str | None:
        started = window.setdefault("start", time.monotonic())
        if time.monotonic() - started < 2.5:
            return "451 4.3.0 Mail server busy, try again later"
        return None

    smtp.reply = busy_for_a_while
    env = processes.env(broker=clean_broker(3), smtp_port=smtp.port)
    processes.worker(env)
    processes.beat(env)

    wait_for(lambda: settled(count), timeout=60, what="retried sends", details=processes.logs)
    time.sleep(1)
    assert smtp.count() == count
    assert sorted(r for m in smtp.messages for r in m.rcpt_tos) == sorted(patients)
    assert smtp.attempts > count
    deliveries = list(ReminderDelivery.objects.all())
    assert {d.status for d in deliveries} == {Status.SENT}
    assert all(d.attempts >= 2 for d in deliveries)


def test_permanent_failures_end_as_failed_and_reception_sees_them(
    therapist, reception, smtp, processes: Processes, clean_broker
):
    count = 3
    patients = make_due(count, therapist)
    smtp.reply = lambda attempt: "550 5.1.1 Mailbox unavailable"
    env = processes.env(broker=clean_broker(4), smtp_port=smtp.port)
    processes.worker(env)
    processes.beat(env)

    wait_for(lambda: settled(count), timeout=60, what="failed sends", details=processes.logs)
    assert smtp.count() == 0
    assert smtp.attempts == count  # no retry of a permanent failure
    for delivery in ReminderDelivery.objects.all():
        assert (delivery.status, delivery.attempts) == (Status.FAILED, 1)
        assert delivery.last_error.startswith("SMTP 550")

    client = Client()
    client.force_login(reception)
    page = client.get(reverse("notifications:failed")).content.decode()
    for patient in patients.values():
        assert patient.full_name in page
