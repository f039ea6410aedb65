"""Through the real pipeline (Celery beat and worker processes, Redis, an SMTP server): a
patient in Europe/London gets no exercise reminder on a day with nothing due, across the
change to summer time, and the reminder on the next due day lists only what is due.

The worker and beat run with their clocks set to Monday 30 March 2026 just after 18:00 in
London (time-machine, started before Celery), with reminders due since Saturday 28th, 18:00
GMT: Saturday and Sunday (the first day of summer time, 18:00 BST = 17:00 UTC) are the
Glider's rest days, Monday is its day.
"""

from __future__ import annotations

import datetime as dt
import stat
import sys
import time

import pytest

from exercises.library import library_load
from exercises.models import Exercise, ExercisePlan, PlanItem
from exercises.services import plan_create, plan_publish
from notifications.models import ReminderDelivery, ReminderSchedule
from tests.notifications import integration
from tests.notifications.integration import Processes, require_real_services, wait_for
from tests.patients.factories import EpisodeFactory, PatientFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

Status = ReminderDelivery.Status
UTC = dt.UTC
WORKER_CLOCK = dt.datetime(2026, 3, 30, 17, 0, 20, tzinfo=UTC)  # Monday 18:00:20 BST
FIRST_DUE = dt.datetime(2026, 3, 28, 18, 0, tzinfo=UTC)  # Saturday 18:00 GMT
GLIDER = "Askling Glider (standing slide)"
NORDIC = "Nordic lowers"

CLOCKED_CELERY = """#!{python}
import os
import sys

import time_machine

time_machine.travel(float(os.environ["TEST_CLOCK"]), tick=True).start()

from celery.__main__ import main

sys.argv[0] = "celery"
sys.exit(main())
"""


@pytest.fixture(autouse=True)
def _real_services():
    require_real_services()


@pytest.fixture
def clocked_celery(tmp_path, monkeypatch):
    """Start Celery through a script that first sets its clock (TEST_CLOCK, a timestamp)."""
    script = tmp_path / "celery-at"
    script.write_text(CLOCKED_CELERY.format(python=sys.executable))
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setattr(integration, "CELERY", str(script))
    return script


def test_no_reminder_on_rest_days_across_the_clock_change(
    therapist, smtp, processes: Processes, clean_broker, clocked_celery
):
    library_load(Exercise)  # earlier transactional tests may have flushed the migration's rows
    patient = PatientFactory(
        first_name="Robin",
        email="robin@runners.example",
        time_zone="Europe/London",
        email_reminders_consent=True,
    )
    plan = plan_create(
        episode=EpisodeFactory(patient=patient),
        user=therapist,
        exercises=[Exercise.objects.get(code="EX-A05"), Exercise.objects.get(code="EX-A07")],
    )
    # Glider every third day from Friday 27 March: 27th, 30th, 2 April. Nordics on Tuesdays.
    PlanItem.objects.filter(plan=plan, exercise__code="EX-A05").update(every_n_days=3)
    PlanItem.objects.filter(plan=plan, exercise__code="EX-A07").update(weekdays=[1])
    plan_publish(plan=plan, user=therapist)
    ExercisePlan.objects.filter(pk=plan.pk).update(start_date=dt.date(2026, 3, 27))
    ReminderSchedule.objects.filter(source="exercise_plan", subject_id=plan.pk).update(
        times=["18:00"], time_zone="Europe/London", next_due_at=FIRST_DUE
    )

    env = processes.env(
        broker=clean_broker(11),
        smtp_port=smtp.port,
        TEST_CLOCK=str(WORKER_CLOCK.timestamp()),
        # the worker's "now" is two days after the first reminder: still worth sending
        REMINDER_GRACE_MINUTES=str(3 * 24 * 60),
    )
    processes.worker(env, pool="solo", concurrency=1)
    processes.beat(env)

    wait_for(
        lambda: smtp.count() >= 1, timeout=120, what="Monday's reminder", details=processes.logs
    )
    wait_for(
        lambda: ReminderDelivery.objects.filter(status=Status.SENT).count() == 1,
        timeout=20,
        what="the delivery marked sent",
        details=processes.logs,
    )
    time.sleep(3)  # several more dispatcher cycles: nothing else may arrive
    assert smtp.count() == 1

    deliveries = {row.local_date: row for row in ReminderDelivery.objects.filter(patient=patient)}
    saturday, sunday, monday = (dt.date(2026, 3, day) for day in (28, 29, 30))
    assert sorted(deliveries) == [saturday, sunday, monday]
    # 18:00 in London on each day: GMT on Saturday, summer time from Sunday
    assert deliveries[saturday].due_at == dt.datetime(2026, 3, 28, 18, 0, tzinfo=UTC)
    assert deliveries[sunday].due_at == dt.datetime(2026, 3, 29, 17, 0, tzinfo=UTC)
    assert deliveries[monday].due_at == dt.datetime(2026, 3, 30, 17, 0, tzinfo=UTC)
    for rest_day in (saturday, sunday):
        assert (deliveries[rest_day].status, deliveries[rest_day].reason) == (
            Status.SKIPPED,
            "No exercise is due that day (a rest day).",
        )
    assert deliveries[monday].status == Status.SENT

    [message] = smtp.messages
    assert message.rcpt_tos == ["robin@runners.example"]
    assert GLIDER in message.text
    assert NORDIC not in message.text  # Tuesday's
