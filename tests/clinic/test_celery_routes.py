"""Queues by purpose: every task has a decided queue, and every queue has a worker.

A new task fails test_it_routes_every_registered_task_to_its_decided_queue until its author
adds it to ROUTES below, deciding which queue it waits in."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from config.celery import app

ROOT = Path(__file__).resolve().parents[2]
QUEUES = {"default", "messages", "reports"}

#: Every task the project registers, and the queue it must land in.
ROUTES = {
    "clinic.ping": "default",
    "clinic.send_email": "default",  # account emails: never behind a reminder burst
    "notifications.dispatch": "messages",
    "notifications.send": "messages",
    "notifications.send_sms_reply": "messages",
    "bookings.waitlist_expire": "messages",
    "bookings.text_decision": "default",  # a decision the requester waits for
    "exercises.dashboard_alerts_warm": "reports",  # background work nobody waits on
}


def _project_tasks() -> set[str]:
    app.loader.import_default_modules()
    return {name for name in app.tasks if not name.startswith("celery.")}


def _queue_of(name: str) -> str:
    return app.amqp.router.route({}, name)["queue"].name


def test_it_routes_every_registered_task_to_its_decided_queue():
    assert _project_tasks() == set(ROUTES), "add the new task to ROUTES with its queue"
    assert {name: _queue_of(name) for name in ROUTES} == ROUTES


def test_it_sends_what_nobody_routed_to_the_default_queue():
    assert _queue_of("somewhere.new_task") == "default"


@pytest.mark.parametrize(
    ("name", "queue"),
    [
        ("interop.export_fhir", "reports"),
        ("rehab.report_monthly", "reports"),
        ("bookings.message_confirmation", "messages"),
        ("bookings.waitlist_offer", "messages"),
    ],
)
def test_it_routes_tasks_named_by_the_conventions_before_anyone_writes_them(name, queue):
    assert _queue_of(name) == queue


def _worker_queues(command: str) -> set[str]:
    match = re.search(r"(?:-Q|--queues)[ =](\S+)", command)
    return set(match.group(1).split(",")) if match else {"default"}


def test_it_runs_one_worker_per_queue_in_the_procfile_and_one_for_all_in_make_run():
    lines = dict(
        line.split(":", 1)
        for line in (ROOT / "Procfile").read_text().splitlines()
        if line and not line.startswith("#")
    )
    workers = {name: _worker_queues(cmd) for name, cmd in lines.items() if " worker " in cmd}
    assert workers == {f"worker-{queue}": {queue} for queue in QUEUES}
    assert "--schedule" not in lines["beat"]  # beat keeps its schedule in Redis
    assert "/tmp" not in "".join(lines.values())

    dev = (ROOT / "scripts" / "run-dev.sh").read_text()
    (dev_worker,) = [line for line in dev.splitlines() if "celery -A config worker" in line]
    assert _worker_queues(dev_worker) == QUEUES
