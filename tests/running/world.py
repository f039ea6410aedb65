"""Return-to-run records for the security walk's two patients (tests/security/conftest.py),
made on first use so that no other page there shows a programme it does not test."""

from __future__ import annotations

import datetime as dt

from exercises.selectors import patient_today
from running.models import RunLog, RunProgramme
from tests.running.factories import programme


def programme_of(side, therapist) -> RunProgramme:
    """The side's active programme, started a week ago."""
    found = RunProgramme.objects.filter(episode=side.episode, status="active").first()
    if found is None:
        today = patient_today(side.patient)
        found = programme(
            therapist=therapist, episode=side.episode, started_on=today - dt.timedelta(days=7)
        )
    return found


def run_of(side, therapist) -> RunLog:
    """The side's run of yesterday, still waiting for its next-morning answer.

    Written as the row a logged run makes, not through `run_log_save`: the walk's world may
    already hold an open red-flag referral for the side (made by another route first, in an
    order that varies with the hash seed), and the service then refuses new runs. A run
    logged before the referral is what this stands for."""
    active = programme_of(side, therapist)
    found = RunLog.objects.filter(programme=active).first()
    if found is None:
        found = RunLog.objects.create(
            programme=active,
            patient=side.patient,
            date=patient_today(side.patient) - dt.timedelta(days=1),
            minutes=25,
            terrain=RunLog.Terrain.FLAT,
            effort=RunLog.Effort.EASY,
            pain_before=1,
            pain_during=1,
            pain_after=1,
            comment="Tight",
            step_number=active.current_step,
            stint=active.stint,
        )
    return found
