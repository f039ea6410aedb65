"""The session re-tests as measures for stage criteria (the `measures` plug-in contract).

From signed notes in force: in each session the after-treatment value is preferred to the
before-treatment one (it is the latest reading of the day), and the newest session wins.
"""

from __future__ import annotations

import datetime as dt
from itertools import groupby
from zoneinfo import ZoneInfo

from django.db.models import Exists, F, OuterRef

from clinic.filters import day_month_year
from clinic.rows import prepared_list
from patients import page_rows
from patients.selectors import of_patient_episodes
from treatment.models import Retest, TreatmentSession

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
    return _local_day(session.appointment.start, session.appointment.patient.time_zone)


def _local_day(start: dt.datetime, time_zone: str) -> dt.date:
    return start.astimezone(ZoneInfo(time_zone)).date()


def source_text(day: dt.date) -> str:
    return f"Treatment session, {day_month_year(day)}"


def session_values(session, keys=KEYS) -> dict[str, object]:
    """A session's reading of each key: after treatment if recorded, else before."""
    phases = {
        retest.phase: {key: getattr(retest, key) for key in keys}
        for retest in session.retests.all()
    }
    return _phase_values(phases, keys)


def _phase_values(phases: dict[str, dict], keys=KEYS) -> dict[str, object]:
    """Each key's reading from the re-tests of one session (each a dict of its fields, by
    phase)."""
    found = {}
    for key in keys:
        for phase in (Retest.Phase.AFTER, Retest.Phase.BEFORE):
            retest = phases.get(phase)
            value = retest[key] if retest is not None else None
            if value is not None and value != "not_done":
                found[key] = value
                break
    return found


def latest_measures(*, episode) -> dict[str, dict]:
    """Each key's newest reading from the episode's signed sessions (one query)."""
    return latest_measures_of_episodes(episodes=[episode]).get(episode.pk, {})


def latest_measures_of_episodes(*, episodes) -> dict[int, dict[str, dict]]:
    """`latest_measures` of several episodes, by episode id: one query per patient however
    many of their episodes (the patient page's rehab panel: one), compiled once per process
    (clinic/rows.py). Episodes without a re-test in a signed note are left out."""
    wanted: dict[int, set[int]] = {}
    patients = {}
    for episode in episodes:
        wanted.setdefault(episode.patient_id, set()).add(episode.pk)
        patients[episode.patient_id] = episode._state.fields_cache.get("patient")
    # Each key's newest reading and the first row of its session, by episode: a key's day and
    # source text are drawn once, for the reading that stands (a patient has tens of signed
    # sessions, and every newer reading of a key replaced the day drawn for an older one).
    newest: dict[int, dict[str, tuple]] = {}
    for patient_id, episode_ids in wanted.items():
        retests = page_rows.taken(patients[patient_id], "treatment_latest_measures")
        if retests is None:
            retests = prepared_list(
                "treatment_latest_measures", Retest, _signed_retests, patient_id=patient_id
            )
        # Rows come session by session, oldest visit first: a newer session's reading of a
        # key replaces an older one's (in the place the key first took: the measures' order).
        for _, rows in groupby(retests, key=lambda retest: retest["session_id"]):
            rows = list(rows)
            first = rows[0]
            if first["episode_id"] not in episode_ids:
                continue
            measures = newest.setdefault(first["episode_id"], {})
            for key, value in _phase_values({row["phase"]: row for row in rows}).items():
                measures[key] = (value, first)
    found: dict[int, dict[str, dict]] = {}
    for episode_id, measures in newest.items():
        drawn: dict[int, tuple] = {}  # by session: its day and source text
        found[episode_id] = kept = {}
        for key, (value, first) in measures.items():
            day_source = drawn.get(first["session_id"])
            if day_source is None:
                day = _local_day(first["start"], first["time_zone"])
                day_source = drawn[first["session_id"]] = (day, source_text(day))
            kept[key] = {"value": value, "on": day_source[0], "source": day_source[1]}
    return found


def _signed_retests(*, patient_id: int):
    # The re-tests of every signed note in force of the patient (what
    # `selectors.signed_sessions_of_episodes` reads, without a second query for the re-tests);
    # a patient has tens of them, so other episodes' rows cost less than a query per set.
    return (
        Retest.objects.filter(
            of_patient_episodes("session__episode", patient_id),
            session__status=TreatmentSession.Status.SIGNED,
        )
        .exclude(superseded_by_signed("session_id"))
        .order_by("session__appointment__start", "session__version", "session_id", "phase")
        # What the measures read of each row, as values (10 columns): instances of the re-test,
        # its session, visit and patient cost more to build than the measures' own work.
        .values(
            "session_id",
            "phase",
            *KEYS,
            episode_id=F("session__episode_id"),
            start=F("session__appointment__start"),
            time_zone=F("session__appointment__patient__time_zone"),
        )
    )


def superseded_by_signed(session_key: str) -> Exists:
    """Whether a signed amendment replaces the session whose key is the outer row's
    `session_key`: what `exclude(session__superseded_by__status=SIGNED)` tests (`supersedes` is
    one-to-one, so at most one amendment), written as NOT EXISTS rather than that filter's
    outer join, so that the patient page's statement does not set up a scan of the amendment's
    every column on each view."""
    return Exists(
        TreatmentSession.objects.filter(
            supersedes_id=OuterRef(session_key), status=TreatmentSession.Status.SIGNED
        )
    )
