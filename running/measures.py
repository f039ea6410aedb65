"""Return-to-run measures for stage criteria (the `measures` contract in issue 15): whether the
episode's programme is completed and which step it is at."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from clinic.filters import day_month_year
from patients.models import Episode, Patient
from running import selectors
from running.models import RunProgramme

#: The measure keys this app provides (common contract names).
KEYS = ("run_programme_completed", "run_programme_step")


def latest_measures(*, episode) -> dict[str, dict]:
    """From the episode's newest programme (active, completed or ended); empty without one.
    One query."""
    return latest_measures_of_episodes(episodes=[episode]).get(episode.pk, {})


def latest_measures_of_episodes(*, episodes) -> dict[int, dict[str, dict]]:
    """`latest_measures` of several episodes, by episode id: one query per patient however
    many of their episodes, shared with the patient page's running panel
    (`selectors.programmes_of_patient`)."""
    found: dict[int, dict[str, dict]] = {}
    patients = {}
    for episode in episodes:
        # The episode's patient when it is loaded (the patient page's: the read is shared),
        # else a stand-in with its key.
        if Episode.patient.is_cached(episode):
            patients.setdefault(episode.patient_id, episode.patient)
        else:
            patients.setdefault(episode.patient_id, Patient(pk=episode.patient_id))
    wanted = {episode.pk for episode in episodes}
    for patient in patients.values():
        # Newest first: the first programme of each episode is its newest.
        for programme in selectors.programmes_of_patient(patient=patient):
            if programme.episode_id in wanted and programme.episode_id not in found:
                found[programme.episode_id] = _measures(programme)
    return found


def _measures(programme: RunProgramme) -> dict[str, dict]:
    # The day of the last change, where the patient lives.
    zone = ZoneInfo(programme.patient.time_zone)
    on = programme.ended_on or programme.updated_at.astimezone(zone).date()
    source = f"Return-to-run programme, {day_month_year(on)}"
    completed = programme.status == RunProgramme.Status.COMPLETED
    return {
        "run_programme_completed": {"value": completed, "on": on, "source": source},
        "run_programme_step": {
            "value": "Completed" if completed else programme.step_label,
            "on": on,
            "source": source,
        },
    }
