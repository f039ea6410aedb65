"""Reminders go to the workers in batches: fewer broker round trips and queries, each sent once."""

from __future__ import annotations

import pytest

from notifications import tasks
from notifications.sending import SEND_BATCH, SendOutcome
from notifications.tasks import deliveries_enqueue

pytestmark = pytest.mark.django_db


def test_it_queues_deliveries_in_batches(monkeypatch):
    published = []
    monkeypatch.setattr(
        tasks.send_reminder, "apply_async", lambda args, **kwargs: published.append(args)
    )
    ids = list(range(1, 2 * SEND_BATCH + 3))
    assert deliveries_enqueue(ids) == len(ids)
    assert published == [
        tuple(ids[:SEND_BATCH]),
        tuple(ids[SEND_BATCH : 2 * SEND_BATCH]),
        tuple(ids[2 * SEND_BATCH :]),
    ]


def test_it_sends_a_batch_in_one_call_and_retries_only_the_ones_that_failed(monkeypatch):
    calls, retries = [], []

    def send(*, delivery_ids):
        calls.append(delivery_ids)
        return {
            1: SendOutcome("sent"),
            2: SendOutcome("pending", 30),
            3: SendOutcome(""),
            4: SendOutcome("pending", 60),
            5: SendOutcome("pending", 30),
        }

    monkeypatch.setattr(tasks, "deliveries_send", send)
    monkeypatch.setattr(
        tasks.send_reminder, "apply_async", lambda args, **kwargs: retries.append((args, kwargs))
    )
    tasks.send_reminder.run(1, 2, 3, 4, 5)
    assert calls == [[1, 2, 3, 4, 5]]
    # Each keeps its own backoff; those due again after the same delay share a task.
    assert retries == [
        ((2, 5), {"countdown": 30, "retry": False}),
        ((4,), {"countdown": 60, "retry": False}),
    ]


def test_it_keeps_a_batch_small_enough_to_end_inside_the_time_limit(settings):
    # A dead server costs one EMAIL_TIMEOUT before the batch stops; a live one a few ms each.
    assert 10 <= SEND_BATCH <= 50
    assert settings.EMAIL_TIMEOUT < settings.CELERY_TASK_SOFT_TIME_LIMIT / 2
