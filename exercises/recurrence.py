"""The exercises app's part of "what happened last time" (rehab recurrence and discharge).

Any app may have a `recurrence.py` with `recurrence_facts(*, episode) -> list[dict]`, each
`{"label": str, "items": [str]}`; rehab.selectors.care_facts gathers them all.
"""

from __future__ import annotations

from exercises.models import PlanVersion


def recurrence_facts(*, episode) -> list[dict]:
    """The exercises the patient was given in the episode's published plans, in the order
    they were first given (one query)."""
    names: dict[str, None] = {}
    versions = (
        PlanVersion.objects.filter(plan__episode_id=episode.pk)
        .order_by("published_at", "id")
        .only("items")
    )
    for version in versions:
        for item in version.items:
            names.setdefault(item.get("name") or item.get("key", ""), None)
    if not names:
        return []
    return [{"label": "Home exercises", "items": [name for name in names if name]}]
