"""`seed_demo` gives the demo patient a running programme with a story a new user can read."""

import pytest
from django.core.management import call_command

from running.models import ProgrammeDecision, RunLog, RunProgramme

pytestmark = pytest.mark.django_db


def test_it_seeds_a_programme_that_moved_on_held_and_waits_for_a_morning_answer(settings):
    settings.DEBUG = True
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent
    (programme,) = RunProgramme.objects.all()
    assert programme.status == "active"
    assert programme.current_step == 1
    assert RunLog.objects.count() == 7
    assert RunLog.objects.filter(pain_next_morning__isnull=True).count() == 1
    assert RunLog.objects.exclude(not_counted="").count() == 1
    kinds = set(ProgrammeDecision.objects.values_list("kind", flat=True))
    assert kinds == {"hold", "advance"}
