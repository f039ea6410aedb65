"""Return-to-run measures for stage criteria (the `measures` contract in issue 15): whether the
episode's programme is completed and which step it is at."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from running.models import RunProgramme


def latest_measures(*, episode) -> dict[str, dict]:
    """From the episode's newest programme (active, completed or ended); empty without one.
    One query."""
    programme = (
        RunProgramme.objects.filter(episode=episode)
        .select_related("patient")
        .order_by("-created_at", "-id")
        .first()
    )
    if programme is None:
        return {}
    # The day of the last change, where the patient lives.
    zone = ZoneInfo(programme.patient.time_zone)
    on = programme.ended_on or programme.updated_at.astimezone(zone).date()
    source = f"Return-to-run programme, {on.day} {on:%b %Y}"
    completed = programme.status == RunProgramme.Status.COMPLETED
    return {
        "run_programme_completed": {"value": completed, "on": on, "source": source},
        "run_programme_step": {
            "value": "Completed" if completed else programme.step_label,
            "on": on,
            "source": source,
        },
    }
