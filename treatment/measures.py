"""The session re-tests as measures for stage criteria (the `measures` plug-in contract).

From signed notes in force: in each session the after-treatment value is preferred to the
before-treatment one (it is the latest reading of the day), and the newest session wins.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from treatment import selectors
from treatment.models import Retest

#: The measure keys this app provides (common contract names).
KEYS = (
    "slr_angle_affected_deg",
    "slr_angle_other_deg",
    "slump_knee_ext_deficit_deg",
    "knee_flexion_strength_pct",
    "h_test",
)


def session_day(session) -> dt.date:
    """The day of the visit where the patient lives."""
    patient = session.appointment.patient
    return session.appointment.start.astimezone(ZoneInfo(patient.time_zone)).date()


def source_text(day: dt.date) -> str:
    return f"Treatment session, {day.day} {day:%b %Y}"


def session_values(session, keys=KEYS) -> dict[str, object]:
    """A session's reading of each key: after treatment if recorded, else before."""
    phases = {retest.phase: retest for retest in session.retests.all()}
    found = {}
    for key in keys:
        for phase in (Retest.Phase.AFTER, Retest.Phase.BEFORE):
            retest = phases.get(phase)
            value = getattr(retest, key) if retest is not None else None
            if value is not None and value != "not_done":
                found[key] = value
                break
    return found


def latest_measures(*, episode) -> dict[str, dict]:
    """Each key's newest reading from the episode's signed sessions (two queries)."""
    return latest_measures_of_episodes(episodes=[episode]).get(episode.pk, {})


def latest_measures_of_episodes(*, episodes) -> dict[int, dict[str, dict]]:
    """`latest_measures` of several episodes, by episode id (two queries however many)."""
    sessions = selectors.signed_sessions_of_episodes(episode_ids=[e.pk for e in episodes])
    found: dict[int, dict[str, dict]] = {}
    for episode_id, signed in sessions.items():
        measures = found[episode_id] = {}
        for session in signed:
            day = session_day(session)
            for key, value in session_values(session).items():
                measures[key] = {"value": value, "on": day, "source": source_text(day)}
    return found
