"""Demo data: an active return-to-run programme for the demo patient, with runs that moved it
on once, one run that did not count (rolling ground on a flat step), one that held it (pain 3)
and yesterday's run still waiting for its next-morning answer."""

from __future__ import annotations

import datetime as dt
import uuid

from exercises.selectors import patient_today
from running.models import RunProgramme
from running.services import programme_assign, run_log_save, run_next_morning_save

# (days before today, minutes, terrain, pain before, during, after, next morning, comment)
DEMO_RUNS = [
    (13, 25, "flat", 1, 1, 2, 1, ""),
    (11, 25, "flat", 1, 1, 1, 1, ""),
    (9, 26, "flat", 1, 1, 2, 1, ""),
    (7, 25, "undulating", 1, 1, 2, 1, ""),
    (5, 25, "flat", 2, 2, 3, 2, "Tight at the back of the thigh near the end."),
    (3, 25, "flat", 1, 1, 2, 1, ""),
    (1, 25, "flat", 1, 1, 2, None, "Felt easy today."),
]
START_DAYS_AGO = 14


def seed(context: dict) -> list[str]:
    episode = context.get("episode")
    if episode is None:
        return []
    programme = RunProgramme.objects.filter(episode=episode).first()
    if programme is None:
        patient = context["patient"]
        today = patient_today(patient)
        programme = programme_assign(
            episode=episode, template_key="neural", user=context["therapist"]
        )
        RunProgramme.objects.filter(pk=programme.pk).update(
            started_on=today - dt.timedelta(days=START_DAYS_AGO)
        )
        for days_ago, minutes, terrain, before, during, after, morning, comment in DEMO_RUNS:
            programme.refresh_from_db()
            run, _ = run_log_save(
                programme=programme,
                patient=patient,
                submission=uuid.uuid4(),
                date=today - dt.timedelta(days=days_ago),
                minutes=minutes,
                terrain=terrain,
                effort="easy",
                pain_before=before,
                pain_during=during,
                pain_after=after,
                comment=comment,
            )
            if morning is not None:
                run_next_morning_save(run=run, pain=morning)
        programme.refresh_from_db()
    return [f"return-to-run programme: {programme.step_label}, {programme.runs.count()} runs"]
