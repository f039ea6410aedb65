"""The exercises app's part of "what happened last time" (rehab recurrence and discharge).

Any app may have a `recurrence.py` with `recurrence_facts(*, episode) -> list[dict]`, each
`{"label": str, "items": [str]}`; rehab.selectors.care_facts gathers them all.
"""

from __future__ import annotations

from exercises.models import PlanVersion
from exercises.progress_selectors import version_items, versions_of_patient
from patients.selectors import page_reads


def recurrence_facts(*, episode) -> list[dict]:
    """The exercises the patient was given in the episode's published plans, in the order
    they were first given (one query; none on the patient page, which reads the patient's
    versions with its other reads)."""
    names: dict[str, None] = {}
    for version in _versions_of(episode):
        for item in version_items(version):
            names.setdefault(item.get("name") or item.get("key", ""), None)
    if not names:
        return []
    return [{"label": "Home exercises", "items": [name for name in names if name]}]


def _versions_of(episode) -> list[PlanVersion]:
    """The episode's published versions, oldest first: on the patient page from the patient's
    versions the page read with its other reads (`versions_of_patient`, shared with the
    progress suggestions), elsewhere one query."""
    patient = episode._state.fields_cache.get("patient")
    if page_reads(patient) is None:
        return list(
            PlanVersion.objects.filter(plan__episode_id=episode.pk)
            .order_by("published_at", "id")
            .only("items")
        )
    return sorted(
        (
            version
            for version in versions_of_patient(patient=patient)
            if version.plan_episode_id == episode.pk
        ),
        key=lambda version: (version.published_at, version.id),
    )
