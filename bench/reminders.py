"""The reminder half of `make bench`: a real Celery worker, an SMTP sink on loopback, a burst
of no-op tasks as the baseline and 10,000 reminders due in the same minute (docs/performance.md).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def knob(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def log(message: str) -> None:
    print(f"  .. {message}", file=sys.stderr, flush=True)


class SmtpCounter:
    """An SMTP server on loopback that accepts everything and only counts it."""

    def __init__(self):
        self.count = 0
        self.recipients: set[str] = set()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.count += 1
        self.recipients.update(envelope.rcpt_tos)
        return "250 Message accepted for delivery"


@contextmanager
def smtp_sink(port: int):
    from aiosmtpd.controller import Controller

    counter = SmtpCounter()
    controller = Controller(counter, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield counter
    finally:
        controller.stop()


@contextmanager
def celery_worker(env: dict):
    concurrency = knob("BENCH_WORKER_CONCURRENCY", 2)
    command = [
        str(BIN / "celery"),
        "-A",
        "config",
        "worker",
        "--queues=default,messages,reports",
        f"--concurrency={concurrency}",
        "--loglevel=WARNING",
        "--without-gossip",
        "--without-mingle",
    ]
    log(f"celery worker: concurrency {concurrency}")
    process = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603 (fixed commands, no user input)
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def queue_backlog(client) -> int:
    """Messages waiting in the default queue plus those a worker holds but has not acked."""
    return client.llen("celery") + client.hlen("unacked")


def wait_drained(client, timeout: float) -> float:
    deadline = time.monotonic() + timeout
    while queue_backlog(client):
        if time.monotonic() > deadline:
            raise RuntimeError("the worker did not drain its queue in time")
        time.sleep(0.01)
    return time.monotonic()


def noop_measure(client, count: int) -> dict:
    from config.celery import ping

    ping.delay()
    wait_drained(client, 120)  # the worker is up and has imported everything
    started = time.monotonic()
    with ping.app.producer_or_acquire() as producer:
        for _ in range(count):
            ping.apply_async(producer=producer)
    finished = wait_drained(client, 600)
    seconds = finished - started
    return {"tasks": count, "seconds": round(seconds, 2), "per_s": round(count / seconds, 1)}


def reminders_make_due(count: int) -> dt.datetime:
    """`count` schedules due this very minute, each one a reminder that must really go out."""
    from django.db import transaction
    from django.utils import timezone

    from exercises.models import ExercisePlan, SessionLog
    from notifications.models import ReminderDelivery, ReminderSchedule
    from patients.models import Patient

    due = timezone.now().replace(second=0, microsecond=0)
    with transaction.atomic():
        # On a data set reused from an earlier run, nothing left over may compete for the worker.
        ReminderDelivery.objects.filter(status__in=ReminderDelivery.OPEN_STATUSES).update(
            status=ReminderDelivery.Status.MISSED, reason="Left over from an earlier benchmark."
        )
        # More candidates than needed: a plan with nothing due today is (rightly) not reminded
        # (the data set has one plan a patient, and a few have a rest day on any given day),
        # so appointment reminders make up the number; the rules below keep only schedules
        # that really send, exercise plans first.
        ids = [
            *ReminderSchedule.objects.filter(source="exercise_plan")
            .order_by("id")
            .values_list("id", flat=True)[:count],
            *ReminderSchedule.objects.filter(source="appointment")
            .order_by("id")
            .values_list("id", flat=True)[: max(count // 10, 10)],
        ]
        schedules = ReminderSchedule.objects.filter(id__in=ids)
        Patient.objects.filter(reminder_schedules__id__in=ids).update(
            archived_at=None, email_reminders_consent=True
        )
        ExercisePlan.objects.filter(
            id__in=schedules.values("subject_id"), status__in=["completed", "paused"]
        ).update(status=ExercisePlan.Status.ACTIVE, end_date=None)
        # A session already logged on the reminder's local day would (rightly) skip it.
        logged = SessionLog.objects.filter(
            plan_id__in=schedules.values("subject_id"), date__gte=due.date() - dt.timedelta(days=1)
        )
        logged._raw_delete(logged.db)
        # Only the dispatcher's reminder due now: nothing else queued or due beforehand.
        ReminderSchedule.objects.exclude(id__in=ids).update(next_due_at=None)
        schedules.update(
            unsubscribed_at=None,
            ended_at=None,
            paused_until=None,
            quiet_start=None,
            quiet_end=None,
            channel=ReminderSchedule.Channel.EMAIL,
            next_due_at=due,
        )
        ids = schedules_that_send(ids, due)[:count]
        if len(ids) < count:
            raise RuntimeError(f"only {len(ids)} reminder schedules would send at {due}")
        ReminderSchedule.objects.filter(next_due_at=due).exclude(id__in=ids).update(
            next_due_at=None
        )
    return due


def schedules_that_send(ids: list[int], due: dt.datetime) -> list[int]:
    """Of these schedules, in order, the ones the dispatcher's own rules would send at `due`
    (notifications.checks.judge: consent, an address, and the plan's source, which skips a
    day with no exercise due)."""
    from notifications import timing
    from notifications.checks import due_for, judge
    from notifications.models import ReminderSchedule

    schedules = list(ReminderSchedule.objects.filter(id__in=ids).select_related("patient"))
    order = {pk: index for index, pk in enumerate(ids)}
    schedules.sort(key=lambda schedule: order[schedule.pk])
    dues = [
        (schedule, due_for(schedule, timing.occurrence_at(due, schedule.zone)))
        for schedule in schedules
    ]
    return [schedule.pk for (schedule, _), skip in zip(dues, judge(dues), strict=True) if not skip]


def reminders_measure(client, sink: SmtpCounter, count: int) -> dict:
    from config.celery import app
    from notifications.models import ReminderDelivery

    due = reminders_make_due(count)
    before = sink.count
    started = time.monotonic()
    app.send_task("notifications.dispatch")
    deadline = started + knob("BENCH_REMINDER_TIMEOUT", 300)
    while sink.count - before < count and time.monotonic() < deadline:
        time.sleep(0.02)
    seconds = time.monotonic() - started
    delivered = sink.count - before
    wait_drained(client, 60)
    sent = ReminderDelivery.objects.filter(due_at=due, status=ReminderDelivery.Status.SENT).count()
    # What became of every reminder that did not go out, in the delivery record's own words.
    not_sent = Counter(
        f"{status}: {reason}"
        for status, reason in ReminderDelivery.objects.filter(due_at=due)
        .exclude(status=ReminderDelivery.Status.SENT)
        .values_list("status", "reason")
    )
    return {
        "due": count,
        "delivered": delivered,
        "recorded_sent": sent,
        "recorded": ReminderDelivery.objects.filter(due_at=due).count(),
        "not_sent": dict(not_sent),
        "seconds": round(seconds, 2),
        "per_s": round(delivered / seconds, 1),
    }
