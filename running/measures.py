"""Return-to-run measures for stage criteria (the `measures` contract in issue 15): whether the
episode's programme is completed and which step it is at."""

from __future__ import annotations

from running.models import RunProgramme


def latest_measures(*, episode) -> dict[str, dict]:
    """From the episode's newest programme (active, completed or ended); empty without one.
    One query."""
    programme = RunProgramme.objects.filter(episode=episode).order_by("-created_at", "-id").first()
    if programme is None:
        return {}
    on = programme.ended_on or programme.updated_at.date()
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
