"""Return-to-run programmes and runs, made through the running app's own services."""

from __future__ import annotations

import datetime as dt
import uuid

from running.models import RunLog, RunProgramme
from running.services import programme_assign, run_log_save, run_next_morning_save
from tests.patients.factories import EpisodeFactory, PatientFactory


def programme(
    *, therapist, patient=None, episode=None, template="neural", started_on=None
) -> RunProgramme:
    """An active programme at its first step, optionally started on `started_on`."""
    if episode is None:
        episode = EpisodeFactory(patient=patient or PatientFactory())
    assigned = programme_assign(episode=episode, template_key=template, user=therapist)
    if started_on is not None:
        RunProgramme.objects.filter(pk=assigned.pk).update(started_on=started_on)
        assigned.refresh_from_db()
    return assigned


def run(
    programme: RunProgramme,
    day: dt.date,
    *,
    minutes=25,
    terrain="flat",
    effort="easy",
    before=1,
    during=1,
    after=1,
    morning: int | None = None,
    comment="",
) -> RunLog:
    """A run at the programme's current step; `morning` adds the next-morning answer too
    (the clock must be past the run's day)."""
    programme.refresh_from_db()
    logged, _ = run_log_save(
        programme=programme,
        patient=programme.patient,
        submission=uuid.uuid4(),
        date=day,
        minutes=minutes,
        terrain=terrain,
        effort=effort,
        pain_before=before,
        pain_during=during,
        pain_after=after,
        comment=comment,
    )
    if morning is not None:
        logged = run_next_morning_save(run=logged, pain=morning)
    programme.refresh_from_db()
    return logged
