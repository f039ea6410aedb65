"""The reminder half of `make bench`: a real Celery worker, an SMTP sink on loopback, a burst
of no-op tasks as the baseline and 10,000 reminders due in the same minute (docs/performance.md).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import mmap
import os
import signal
import struct
import subprocess
import sys
import tempfile
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


SINK_PROCESSES = knob("BENCH_SINK_PROCESSES", 1)


class _SmtpSession(asyncio.Protocol):
    """One SMTP connection to the sink: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT, nothing
    parsed beyond the verb. A message counts once its final "." has arrived, before its "250"
    goes out (as a real server's acceptance would). No PIPELINING is offered, so a client waits
    for each reply and every command is a line of its own."""

    def __init__(self, sink: _SinkServer) -> None:
        self.sink = sink
        self.buffer = b""
        self.in_data = False
        self.recipients = 0
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport
        transport.write(b"220 127.0.0.1 bench sink ESMTP\r\n")

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer + data
        while buffer:
            if self.in_data:
                # A body ends with CRLF "." CRLF; dot-stuffing keeps that out of the body itself.
                if buffer.startswith(b".\r\n"):
                    end, skip = 0, 3
                else:
                    end, skip = buffer.find(b"\r\n.\r\n"), 5
                    if end < 0:
                        break
                buffer = buffer[end + skip :]
                self.in_data = False
                self.sink.accepted(self.recipients)
                self.recipients = 0
                self.transport.write(b"250 Message accepted for delivery\r\n")
                continue
            line, found, rest = buffer.partition(b"\r\n")
            if not found:
                break
            buffer = rest
            verb = line[:4].upper()
            if verb == b"EHLO":
                reply = b"250-127.0.0.1\r\n250 8BITMIME\r\n"
            elif verb == b"MAIL":
                self.recipients, reply = 0, b"250 OK\r\n"
            elif verb == b"RCPT":
                self.recipients += 1
                reply = b"250 OK\r\n"
            elif verb == b"DATA":
                if not self.recipients:
                    reply = b"503 Error: need RCPT command\r\n"
                else:
                    self.in_data, reply = True, b"354 End data with <CR><LF>.<CR><LF>\r\n"
            elif verb in (b"HELO", b"RSET", b"NOOP"):
                self.recipients = 0 if verb == b"RSET" else self.recipients
                reply = b"250 OK\r\n"
            elif verb == b"QUIT":
                self.transport.write(b"221 Bye\r\n")
                self.transport.close()
                return
            else:
                reply = b"500 Error: command not recognized\r\n"
            self.transport.write(reply)
        self.buffer = buffer


class _SinkServer:
    """The sink's process: counts messages and their recipients into two 8-byte slots of a
    shared file (its own slots when there are several processes on one port)."""

    def __init__(self, counts: mmap.mmap, slot: int) -> None:
        self.counts, self.offset = counts, slot * 16
        self.messages = self.recipients = 0

    def accepted(self, recipients: int) -> None:
        self.messages += 1
        self.recipients += recipients
        struct.pack_into("qq", self.counts, self.offset, self.messages, self.recipients)


def sink_serve(port: int, path: str, slot: int) -> None:
    """Run one sink process on `port` (several may share it: SO_REUSEPORT); prints "ready"."""
    with open(path, "r+b") as file:
        counts = mmap.mmap(file.fileno(), 0)
    loop = asyncio.new_event_loop()
    sink = _SinkServer(counts, slot)
    server = loop.run_until_complete(
        loop.create_server(
            lambda: _SmtpSession(sink), "127.0.0.1", port, reuse_port=True, backlog=128
        )
    )
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    print("ready", flush=True)
    loop.run_forever()
    server.close()


class SmtpCounter:
    """What the sink processes have accepted so far: messages and recipients (each reminder
    has one, so the two move together)."""

    def __init__(self, counts: mmap.mmap, processes: int) -> None:
        self._counts, self._processes = counts, processes

    def _totals(self) -> tuple[int, int]:
        slots = [struct.unpack_from("qq", self._counts, i * 16) for i in range(self._processes)]
        return sum(m for m, _ in slots), sum(r for _, r in slots)

    @property
    def count(self) -> int:
        return self._totals()[0]

    @property
    def recipients(self) -> int:
        return self._totals()[1]


@contextmanager
def smtp_sink(port: int):
    """A light SMTP server on loopback in BENCH_SINK_PROCESSES processes of its own (default 1)
    that accepts every message and counts it, so that the bench measures the site's sending
    rather than its own mail server: aiosmtpd in a thread of the driver cost 0.8 ms of CPU a
    message (docs/performance.md, stop 34), a quarter of a reminder's whole cost on two cores.
    """
    processes = max(1, SINK_PROCESSES)
    with tempfile.NamedTemporaryFile(prefix="bench-sink-") as file:
        file.write(bytes(16 * processes))
        file.flush()
        counts = mmap.mmap(file.fileno(), 0)
        children = []
        try:
            for slot in range(processes):
                child = subprocess.Popen(  # noqa: S603 (fixed command, no user input)
                    [sys.executable, __file__, "sink", str(port), file.name, str(slot)],
                    stdout=subprocess.PIPE,
                    text=True,
                )
                children.append(child)
                if child.stdout.readline().strip() != "ready":
                    raise RuntimeError("the SMTP sink did not start")
            log(f"smtp sink: {processes} process(es) on port {port}")
            yield SmtpCounter(counts, processes)
        finally:
            for child in children:
                child.terminate()
            for child in children:
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()


@contextmanager
def celery_worker(env: dict):
    concurrency = knob("BENCH_WORKER_CONCURRENCY", 2)
    command = [
        str(BIN / "celery"),
        "-A",
        "config",
        "worker",
        f"--queues={','.join(WORKER_QUEUES)}",
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


WORKER_QUEUES = ("default", "messages", "reports")


def queue_backlog(client) -> int:
    """Messages waiting in the worker's queues plus those a worker holds but has not acked.

    With the Redis transport a queue is a list named after it. (Until stop 34 this read a list
    "celery" that nothing uses, so the no-op burst counted as drained whenever the worker's
    unacked set was empty for a moment, thousands of tasks early.)"""
    return sum(client.llen(queue) for queue in WORKER_QUEUES) + client.hlen("unacked")


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
    """`count` schedules due this very minute, each one a reminder that must really go out
    once (and no other reminder to those patients for a day)."""
    from zoneinfo import ZoneInfo

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
        # Due now as configured, not only as stored: each schedule's own time becomes this
        # minute in its zone (a one-off's moment, this minute), so its next reminder is
        # tomorrow's. Left at, say, 18:00, a schedule would send its patient a second reminder
        # at 18:00 while the run is still counting (a duplicate the run would blame on sending).
        zones = set(schedules.filter(once_at=None).values_list("time_zone", flat=True))
        for zone in zones:
            schedules.filter(once_at=None, time_zone=zone).update(
                times=[due.astimezone(ZoneInfo(zone)).strftime("%H:%M")]
            )
        schedules.exclude(once_at=None).update(once_at=due)
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


if __name__ == "__main__":
    if sys.argv[1:2] == ["sink"]:
        sink_serve(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]))
