"""The assessments app's trend series (the `trends` plug-in, contract in clinic/plugins.py): pain,
outcome measures and the objective re-tests from the episode's final intake and follow-up
assessments, each visit in the version in force (a final amendment replaces what it amends).
"""

from __future__ import annotations

from decimal import Decimal

from django.utils import formats

from assessments.diagnosis.schema import FIELDS
from assessments.models import Assessment

#: What the trend page follows from assessments, in the order a clinician reads them.
TREND_MEASURES = (
    "nprs_now",
    "nprs_worst_week",
    "lefs_score",
    "odi_percent",
    "psfs_mean",
    "fash_score",
    "slr_angle_affected_deg",
    "slr_angle_other_deg",
    "slump_knee_ext_deficit_deg",
)


def _source(visit: Assessment) -> str:
    day = formats.date_format(visit.assessed_on, "j M Y")
    version = f", version {visit.version}" if visit.version > 1 else ""
    return f"{visit.get_kind_display()} assessment, {day}{version}"


def trend_series(*, episode) -> list[dict]:
    """One series per measure recorded at least once, oldest point first; each point has the
    visit's date, the value (int, or float for PSFS) and where it came from. One query."""
    visits = (
        Assessment.objects.filter(episode_id=episode.pk, status=Assessment.Status.FINAL)
        .exclude(superseded_by__status=Assessment.Status.FINAL)
        .only("kind", "version", "assessed_on", "created_at", *TREND_MEASURES)
        .order_by("assessed_on", "created_at")
    )
    points: dict[str, list[dict]] = {name: [] for name in TREND_MEASURES}
    for visit in visits:
        source = _source(visit)
        for name in TREND_MEASURES:
            value = getattr(visit, name)
            if value is None:
                continue
            if isinstance(value, Decimal):
                value = float(value)
            points[name].append({"on": visit.assessed_on, "value": value, "source": source})
    return [
        {"key": name, "label": FIELDS[name].label, "points": found}
        for name, found in points.items()
        if found
    ]
