"""A burst of 10,000 reminders cannot delay a password-reset email: real workers, one per queue
as in the Procfile, on Redis, with an SMTP server on loopback. While the `messages` worker is
still working through the burst, a reset requested on the site arrives within seconds, because
it waits on the `default` queue (config/settings.py CELERY_TASK_ROUTES, clinic/mail.py)."""

from __future__ import annotations

import datetime as dt
import time

import pytest
import redis
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from notifications.models import ReminderDelivery, ReminderSchedule
from notifications.tasks import deliveries_enqueue
from tests.notifications.integration import (
    Processes,
    patient_with_plan,
    processes,  # noqa: F401 (fixture)
    require_real_services,
    smtp,  # noqa: F401 (fixture)
    wait_for,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

BURST = 10_000
#: How long a person may wait for the reset email while the burst drains.
PROMPT = 5


@pytest.fixture(autouse=True)
def _real_services():
    require_real_services()


def _burst_of_due_reminders(therapist) -> list[int]:
    """10,000 reminders due now, in a few bulk inserts (one patient's schedule, one per slot)."""
    patient, _ = patient_with_plan(therapist, 0)
    schedule = ReminderSchedule.objects.get(patient=patient)
    now = timezone.now()
    first_day = timezone.localdate() - dt.timedelta(days=BURST // 1440 + 1)
    ReminderDelivery.objects.bulk_create(
        [
            ReminderDelivery(
                schedule=schedule,
                patient=patient,
                local_date=first_day + dt.timedelta(days=n // 1440),
                slot=dt.time(n % 1440 // 60, n % 60),
                due_at=now,
                channel=ReminderSchedule.Channel.EMAIL,
            )
            for n in range(BURST)
        ],
        batch_size=2000,
    )
    return list(ReminderDelivery.objects.order_by("id").values_list("id", flat=True))


def _open_reminders() -> int:
    return ReminderDelivery.objects.filter(status__in=ReminderDelivery.OPEN_STATUSES).count()


def test_it_delivers_a_password_reset_within_seconds_while_a_reminder_burst_drains(
    therapist,
    patient_user,
    smtp,  # noqa: F811 (the fixture imported above)
    processes: Processes,  # noqa: F811
    settings,
):
    # The workers share this process's broker: what the site queues, they consume.
    broker = settings.CELERY_BROKER_URL
    redis.Redis.from_url(broker).flushdb()
    ids = _burst_of_due_reminders(therapist)
    env = processes.env(broker=broker, smtp_port=smtp.port)
    for queue in ("default", "messages"):
        processes.worker(env, queues=queue, name=f"worker-{queue}", concurrency=2)

    started = time.monotonic()
    assert deliveries_enqueue(ids) == BURST  # 400 send tasks of 25 on `messages`
    wait_for(
        lambda: smtp.count() >= 100,
        timeout=45,
        what="the burst to start draining",
        details=processes.logs,
    )

    settings.TRANSACTIONAL_EMAIL_BACKEND = "clinic.mail.QueuedEmailBackend"
    response = Client().post(reverse("password_reset"), {"email": patient_user.email})
    assert response.status_code == 302
    asked = time.monotonic()

    def reset_email():
        return next((m for m in smtp.messages if m.rcpt_tos == [patient_user.email]), None)

    wait_for(
        lambda: reset_email() is not None,
        timeout=PROMPT,
        every=0.05,
        what="the password reset email",
        details=processes.logs,
    )
    waited = time.monotonic() - asked
    still_open = _open_reminders()
    still_queued = redis.Redis.from_url(broker).llen("messages")

    assert waited < PROMPT
    assert still_queued > 0, "the burst had drained: the test proved nothing"
    assert still_open > BURST // 4, still_open
    # The link in it works: it leads to the page that sets a new password.
    (link,) = [url for url in reset_email().urls() if "/accounts/reset/" in url]
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    assert Client().get(path).status_code == 302  # to the form, the token moved to the session
    print(  # the measurement, for the report (pytest -s)
        f"\nreset email after {waited:.2f} s; {BURST - still_open} of {BURST} reminders done, "
        f"{still_queued} send tasks still queued, {time.monotonic() - started:.1f} s in all"
    )
