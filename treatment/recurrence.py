"""The treatment app's part of "what happened last time" (rehab recurrence and discharge): the
treatments given in the clinic, from the episode's signed notes in force."""

from __future__ import annotations

from django.db.models import F

from clinic.rows import prepared_list
from patients import page_rows
from patients.selectors import of_patient_episodes, page_reads
from treatment.measures import superseded_by_signed
from treatment.models import TreatmentGiven, TreatmentSession


def recurrence_facts(*, episode) -> list[dict]:
    """Each kind of treatment given (with technique and level where recorded) and how many
    visits it was given at, in the order first given (one query, compiled once per process:
    clinic/rows.py)."""
    given = _given_on_page(episode)
    if given is None:
        given = prepared_list(
            "treatment_recurrence_given", TreatmentGiven, _given_in, episode_id=episode.pk
        )
    visits: dict[str, set[int]] = {}
    for treatment in given:
        label = treatment.get_kind_display()
        detail = ", ".join(
            part
            for part in (
                treatment.get_technique_display() if treatment.technique else "",
                treatment.level,
            )
            if part
        )
        visits.setdefault(f"{label} ({detail})" if detail else label, set()).add(
            treatment.session_id
        )
    if not visits:
        return []
    items = [
        f"{name}: {len(sessions)} visit{'s' if len(sessions) != 1 else ''}"
        for name, sessions in visits.items()
    ]
    return [{"label": "Treatment in the clinic", "items": items}]


def _given_on_page(episode) -> list | None:
    """The episode's treatments given from the patient page's one read of the whole patient's
    (patients/page_rows.py), kept by episode for the page's other episodes; None elsewhere."""
    patient = episode._state.fields_cache.get("patient")
    shared = page_reads(patient)
    if shared is None:
        return None
    by_episode = shared.get("treatment.given")
    if by_episode is None:
        rows = page_rows.taken(patient, "treatment_recurrence_given_of_patient")
        if rows is None:
            return None
        by_episode = shared["treatment.given"] = {}
        for treatment in rows:
            by_episode.setdefault(treatment.given_episode_id, []).append(treatment)
    return by_episode.get(episode.pk, [])


def given_of_patient(*, patient_id: int):
    """`_given_in` every episode of the patient, each row with its `given_episode_id`."""
    return (
        TreatmentGiven.objects.filter(
            of_patient_episodes("session__episode", patient_id),
            session__status=TreatmentSession.Status.SIGNED,
        )
        .exclude(superseded_by_signed("session_id"))
        .annotate(given_episode_id=F("session__episode_id"))
        .order_by("session__appointment__start", "position_in_list", "id")
    )


def _given_in(*, episode_id: int):
    return (
        TreatmentGiven.objects.filter(
            session__episode_id=episode_id, session__status=TreatmentSession.Status.SIGNED
        )
        .exclude(session__superseded_by__status=TreatmentSession.Status.SIGNED)
        .order_by("session__appointment__start", "position_in_list", "id")
    )
