"""Beat works the dashboard's alerts out at every quarter hour (exercises/tasks.py), so that a
therapist's first view of the day (every plan's local date has moved on) or of a quarter hour
finds them ready: the view then works no plan out, and shows what working them out gives."""

import datetime as dt

import pytest
import time_machine
from celery.schedules import crontab
from django.conf import settings
from django.db import connection

from clinic.models import User
from exercises import dashboard
from exercises.tasks import dashboard_alerts_warm
from tests.exercises.test_dashboard_alerts_kept import NOW, afresh, caseload

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the change counters are PostgreSQL's"
    ),
]


@pytest.fixture
def worked_out(monkeypatch):
    calls: list[set[int]] = []
    real = dashboard.plans_alerts

    def spy(plans):
        calls.append({plan.pk for plan in plans})
        return real(plans)

    monkeypatch.setattr(dashboard, "plans_alerts", spy)
    return calls


def test_beat_runs_it_at_every_quarter_hour():
    entry = settings.CELERY_BEAT_SCHEDULE["warm-dashboard-alerts"]
    assert entry["task"] == dashboard_alerts_warm.name
    assert entry["schedule"] == crontab(minute="*/15")


def test_after_midnight_the_first_view_finds_the_alerts_worked_out(therapist, worked_out):
    with time_machine.travel(NOW, tick=False) as clock:  # 23:30 in London
        plans = caseload(therapist)
        assert dashboard_alerts_warm() == 1
        assert worked_out == [{plan.pk for plan in plans}]
        clock.move_to(NOW + dt.timedelta(minutes=30))  # midnight: every plan's day moved on
        assert dashboard_alerts_warm() == 1
        assert worked_out[1] == {plan.pk for plan in plans}
        shown = dashboard.dashboard_alerts(user=therapist)
        assert len(worked_out) == 2  # the view worked nothing out
        assert shown == afresh(therapist)


def test_it_warms_only_active_prescribers(therapist, worked_out):
    with time_machine.travel(NOW, tick=False):
        caseload(therapist, count=1)
        User.objects.filter(pk=therapist.pk).update(is_active=False)
        assert dashboard_alerts_warm() == 0
        assert worked_out == []


def test_without_change_counters_it_does_nothing(therapist, worked_out, monkeypatch):
    """SQLite (`make run`): nothing is kept, each view works its own alerts out."""
    monkeypatch.setattr("exercises.tasks.table_versions", lambda models: None)
    with time_machine.travel(NOW, tick=False):
        caseload(therapist, count=1)
        assert dashboard_alerts_warm() == 0
        assert worked_out == []


def test_one_users_failure_leaves_the_others_warmed(
    therapist, other_therapist, worked_out, monkeypatch
):
    real = dashboard.dashboard_alerts

    def failing(*, user):
        if user.pk == therapist.pk:
            raise RuntimeError("boom")
        return real(user=user)

    monkeypatch.setattr(dashboard, "dashboard_alerts", failing)
    with time_machine.travel(NOW, tick=False):
        caseload(therapist, count=1)
        mine = caseload(other_therapist, count=1)
        assert dashboard_alerts_warm() == 1
        assert worked_out == [{mine[0].pk}]
