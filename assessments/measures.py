"""The assessments app's measures for rehab stage criteria (contract in clinic/plugins.py).

SLR angles on both sides and the slump knee-extension deficit, from the episode's final intake
and follow-up assessments (each in the version in force). For each key the newest assessment
that recorded it counts; one that left it blank ("not recorded") is skipped, never read as 0.
"""

from __future__ import annotations

from assessments.models import Assessment

KEYS = ("slr_angle_affected_deg", "slr_angle_other_deg", "slump_knee_ext_deficit_deg")


def latest_measures(*, episode) -> dict[str, dict]:
    """key -> {"value", "on", "source"} (one query)."""
    visits = (
        Assessment.objects.filter(episode_id=episode.pk, status=Assessment.Status.FINAL)
        .exclude(superseded_by__status=Assessment.Status.FINAL)
        .order_by("-assessed_on", "-created_at")
        .only("kind", "assessed_on", *KEYS)
    )
    found: dict[str, dict] = {}
    for visit in visits:
        for key in KEYS:
            value = getattr(visit, key)
            if key in found or value is None:
                continue
            found[key] = {
                "value": value,
                "on": visit.assessed_on,
                "source": f"{visit.get_kind_display()} assessment, "
                f"{visit.assessed_on.day} {visit.assessed_on:%b %Y}",
            }
        if len(found) == len(KEYS):
            break
    return found
