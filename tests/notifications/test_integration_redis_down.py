"""The broker goes away during a dispatch: nothing is lost and the site keeps working."""

from __future__ import annotations

import contextlib
import datetime as dt
import time

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from exercises.services import plan_create
from notifications.models import ReminderDelivery, ReminderSchedule
from notifications.tasks import reminders_dispatch_queued, send_reminder
from tests.exercises.factories import ExerciseFactory
from tests.notifications.integration import Processes, require_real_services, wait_for
from tests.patients.factories import EpisodeFactory, PatientFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

Status = ReminderDelivery.Status


@contextlib.contextmanager
def broker(url: str):
    """Point this process's Celery app at another broker for the duration."""
    app = send_reminder.app

    def reset():
        if app._pool is not None:
            app._pool.force_close_all()
        app._pool = None
        app.amqp._producer_pool = None

    reset()
    app.conf.broker_write_url = url  # publishing reads this one (it defaults to broker_url)
    try:
        yield
    finally:
        reset()
        app.conf.broker_write_url = None


def test_deliveries_wait_while_redis_is_down_and_go_once_it_is_back(
    therapist, smtp, processes: Processes, throwaway_redis
):
    require_real_services()
    throwaway_redis.start()
    patient = PatientFactory(email="kim@runners.example", email_reminders_consent=True)
    plan = plan_create(
        episode=EpisodeFactory(patient=patient), user=therapist, exercises=[ExerciseFactory()]
    )
    with broker(throwaway_redis.url):
        throwaway_redis.stop()

        # The web request that publishes the plan does not depend on the broker.
        staff = Client()
        staff.force_login(therapist)
        response = staff.post(reverse("exercises:plan_publish", args=[plan.public_id]))
        assert response.status_code == 302
        schedule = ReminderSchedule.objects.get(subject_id=plan.pk, source="exercise_plan")
        ReminderSchedule.objects.filter(pk=schedule.pk).update(
            next_due_at=timezone.now() - dt.timedelta(seconds=1)
        )

        started = time.monotonic()
        result = reminders_dispatch_queued()
        assert time.monotonic() - started < 20
        assert (result.created, result.queued, result.broker_down) == (1, 0, True)
        delivery = ReminderDelivery.objects.get()
        assert (delivery.status, delivery.queued_at) == (Status.PENDING, None)

        throwaway_redis.start()
        env = processes.env(broker=throwaway_redis.url, smtp_port=smtp.port)
        processes.worker(env, pool="solo", concurrency=1)
        result = reminders_dispatch_queued()  # the next cycle
        assert (result.created, result.requeued) == (0, 1)

    wait_for(lambda: smtp.count() == 1, timeout=60, what="the email", details=processes.logs)
    delivery.refresh_from_db()
    wait_for(lambda: ReminderDelivery.objects.get().status == Status.SENT, timeout=10, what="sent")
    assert smtp.messages[0].rcpt_tos == ["kim@runners.example"]
