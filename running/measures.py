"""Return-to-run measures for stage criteria (the `measures` contract in issue 15): whether the
episode's programme is completed and which step it is at."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from running.models import RunProgramme


def latest_measures(*, episode) -> dict[str, dict]:
    """From the episode's newest programme (active, completed or ended); empty without one.
    One query."""
    return latest_measures_of_episodes(episodes=[episode]).get(episode.pk, {})


def latest_measures_of_episodes(*, episodes) -> dict[int, dict[str, dict]]:
    """`latest_measures` of several episodes, by episode id (one query however many)."""
    programmes = (
        RunProgramme.objects.filter(episode_id__in=[episode.pk for episode in episodes])
        .select_related("patient")
        .order_by("episode_id", "-created_at", "-id")
        .distinct("episode_id")
    )
    return {programme.episode_id: _measures(programme) for programme in programmes}


def _measures(programme: RunProgramme) -> dict[str, dict]:
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
