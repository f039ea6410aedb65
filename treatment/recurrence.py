"""The treatment app's part of "what happened last time" (rehab recurrence and discharge): the
treatments given in the clinic, from the episode's signed notes in force."""

from __future__ import annotations

from clinic.rows import prepared_list
from treatment.models import TreatmentGiven, TreatmentSession


def recurrence_facts(*, episode) -> list[dict]:
    """Each kind of treatment given (with technique and level where recorded) and how many
    visits it was given at, in the order first given (one query, compiled once per process:
    clinic/rows.py)."""
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


def _given_in(*, episode_id: int):
    return (
        TreatmentGiven.objects.filter(
            session__episode_id=episode_id, session__status=TreatmentSession.Status.SIGNED
        )
        .exclude(session__superseded_by__status=TreatmentSession.Status.SIGNED)
        .order_by("session__appointment__start", "position_in_list", "id")
    )
