"""Reminders go to the workers a few per task: fewer broker round trips, each still sent once."""

from __future__ import annotations

import pytest

from notifications import services, tasks
from notifications.services import SEND_BATCH, SendOutcome, deliveries_enqueue

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


def test_it_sends_each_reminder_of_a_batch_and_retries_only_the_one_that_failed(monkeypatch):
    sent, retries = [], []

    def send(*, delivery_id):
        sent.append(delivery_id)
        return SendOutcome("pending", 30) if delivery_id == 2 else SendOutcome("sent")

    monkeypatch.setattr(services, "delivery_send", send)
    monkeypatch.setattr(
        tasks.send_reminder, "apply_async", lambda args, **kwargs: retries.append((args, kwargs))
    )
    tasks.send_reminder.run(1, 2, 3)
    assert sent == [1, 2, 3]
    assert retries == [((2,), {"countdown": 30, "retry": False})]
