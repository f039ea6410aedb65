"""`make bench`'s reminder half: its SMTP sink counts every message a real SMTP client sends
(the site's own backend too), and the no-op burst waits for the worker's real queues."""

from __future__ import annotations

import datetime as dt
import smtplib
import socket

import pytest
import time_machine
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.smtp import EmailBackend

from bench.reminders import WORKER_QUEUES, queue_backlog, reminders_make_due, smtp_sink
from notifications.dispatch import reminders_dispatch
from notifications.models import ReminderDelivery, ReminderSchedule
from tests.exercises.factories import published_plan
from tests.patients.factories import PatientFactory


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_sink_counts_every_message_on_one_connection_and_on_one_each():
    port = free_port()
    # A line that is only a dot (stuffed by the client) and one that starts with one: neither
    # may end the message early.
    body = "Subject: hi\r\n\r\nfirst line\r\n.\r\n.leading dot\r\n" + "x" * 5000 + "\r\n"
    with smtp_sink(port) as sink:
        with smtplib.SMTP("127.0.0.1", port) as client:
            client.ehlo()
            for number in range(5):
                client.sendmail("clinic@example.com", [f"p{number}@example.com"], body)
            client.rset()
            client.noop()
            # Two recipients, one message.
            client.sendmail("clinic@example.com", ["a@example.com", "b@example.com"], body)
        for number in range(3):
            with smtplib.SMTP("127.0.0.1", port) as client:
                client.sendmail("clinic@example.com", [f"q{number}@example.com"], body)
        assert sink.count == 9
        assert sink.recipients == 10


def test_the_sink_refuses_data_without_a_recipient_and_unknown_commands():
    port = free_port()
    with smtp_sink(port) as sink, smtplib.SMTP("127.0.0.1", port) as client:
        client.ehlo()
        assert client.mail("clinic@example.com")[0] == 250
        assert client.docmd("DATA")[0] == 503
        assert client.docmd("VRFY", "someone")[0] == 500
        assert sink.count == 0


def test_the_sink_takes_what_djangos_smtp_backend_sends():
    port = free_port()
    with smtp_sink(port) as sink:
        backend = EmailBackend(host="127.0.0.1", port=port, use_tls=False, fail_silently=False)
        messages = []
        for number in range(4):
            message = EmailMultiAlternatives(
                subject="Your exercises today",
                body="Hello\n.\nBye\n",
                from_email="clinic@example.com",
                to=[f"p{number}@example.com"],
                connection=backend,
            )
            message.attach_alternative("<p>Hello</p>", "text/html")
            messages.append(message)
        assert backend.send_messages(messages) == 4
        assert sink.count == 4


class Broker:
    """The two Redis calls `queue_backlog` makes, over fixed lengths."""

    def __init__(self, lists: dict[str, int], unacked: int = 0) -> None:
        self.lists, self.unacked = lists, unacked

    def llen(self, name: str) -> int:
        return self.lists.get(name, 0)

    def hlen(self, name: str) -> int:
        return self.unacked if name == "unacked" else 0


def test_the_backlog_counts_each_queue_the_worker_consumes():
    # With the Redis transport a queue is a list named after it: tasks waiting in "default"
    # (the no-op burst) or "messages" (reminders) are not drained yet.
    assert WORKER_QUEUES == ("default", "messages", "reports")
    assert queue_backlog(Broker({"default": 3})) == 3
    assert queue_backlog(Broker({"messages": 2, "reports": 1}, unacked=4)) == 7
    assert queue_backlog(Broker({"celery": 5})) == 0


@pytest.mark.django_db
def test_a_reminder_made_due_goes_out_once_though_its_own_time_comes_minutes_later(therapist):
    # The benchmark and the cluster's kill test make schedules due "this very minute". A plan's
    # own time (18:00 in London, 17:00 UTC in June) two minutes later must not send the same
    # patient a second reminder while the run is still counting: each patient gets exactly one.
    start = dt.datetime(2026, 6, 1, 16, 58, 20, tzinfo=dt.UTC)
    with time_machine.travel(start - dt.timedelta(days=2), tick=False):
        patient = PatientFactory(
            email="sam@runners.example", email_reminders_consent=True, time_zone="Europe/London"
        )
        plan = published_plan(therapist=therapist, patient=patient)
    schedule = ReminderSchedule.objects.get(source="exercise_plan", subject_id=plan.pk)
    assert schedule.times == ["18:00"]
    with time_machine.travel(start, tick=False):
        due = reminders_make_due(1)
    assert due == dt.datetime(2026, 6, 1, 16, 58, tzinfo=dt.UTC)
    for minutes in (0, 1, 3, 10):
        reminders_dispatch(now=start + dt.timedelta(minutes=minutes))
    assert [message.to for message in mail.outbox] == [["sam@runners.example"]]
    assert ReminderDelivery.objects.filter(schedule=schedule).count() == 1
    # Its own time comes back the next day, as configured for the benchmark's minute.
    schedule.refresh_from_db()
    assert schedule.next_due_at == due + dt.timedelta(days=1)
