"""The demo seed gives the demo patient an active plan, weeks of logs and live alerts."""

import pytest
from django.core.management import call_command

from clinic.models import User
from exercises.models import ExercisePlan, SessionLog
from exercises.selectors import open_alerts, plan_adherence

pytestmark = pytest.mark.django_db


def test_it_seeds_an_active_plan_with_logs_and_alerts_idempotently(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")
    plan = ExercisePlan.objects.get(patient__user__email="patient@example.com")
    assert plan.status == "active"
    assert len(plan.current_version.items) >= 3
    assert SessionLog.objects.filter(plan=plan).count() == 14
    series = plan_adherence(plan=plan).series
    assert len(series) >= 3
    assert any(week.adherence_percent < 50 for week in series if week.complete)
    therapist = User.objects.get(email="therapist@example.com")
    kinds = {item.alert.kind for item in open_alerts(user=therapist) if item.plan == plan}
    assert {"pain_up", "low_adherence"} <= kinds
