"""The assessments app's measures for rehab stage criteria (contract in clinic/plugins.py).

SLR angles on both sides and the slump knee-extension deficit, from the episode's final intake
and follow-up assessments (each in the version in force). For each key the newest assessment
that recorded it counts; one that left it blank ("not recorded") is skipped, never read as 0.
"""

from __future__ import annotations

from assessments.models import Assessment
from clinic.display import display
from clinic.filters import day_month_year
from clinic.rows import prepared_list
from patients.models import Episode
from patients.selectors import page_reads

KEYS = ("slr_angle_affected_deg", "slr_angle_other_deg", "slump_knee_ext_deficit_deg")


def latest_measures(*, episode) -> dict[str, dict]:
    """key -> {"value", "on", "source"} (one query)."""
    return latest_measures_of_episodes(episodes=[episode])[episode.pk]


def latest_measures_of_episodes(*, episodes) -> dict[int, dict[str, dict]]:
    """`latest_measures` of several episodes, by episode id: one query per patient however
    many of their episodes (the patient page's rehab panel: one), compiled once per process
    (clinic/rows.py); none when the patient page's timeline has listed the patient's
    assessments already (`keep_listed`)."""
    wanted: dict[int, list[int]] = {}
    patients = {}
    for episode in episodes:
        wanted.setdefault(episode.patient_id, []).append(episode.pk)
        if Episode.patient.is_cached(episode):
            patients.setdefault(episode.patient_id, episode.patient)
    found: dict[int, dict[str, dict]] = {episode.pk: {} for episode in episodes}
    for patient_id, episode_ids in wanted.items():
        shared = page_reads(patients.get(patient_id))
        visits = _from_listed(None if shared is None else shared.get(_LISTED))
        if visits is None:
            visits = prepared_list(
                "assessments_latest_measures", Assessment, _final_visits, patient_id=patient_id
            )
        for visit in visits:
            if visit.episode_id in episode_ids:
                _take(found[visit.episode_id], visit)
    return found


#: Where `keep_listed` puts the patient's assessments among the page's shared reads.
_LISTED = "assessments.listed"


def keep_listed(patient, assessments: list[Assessment]) -> None:
    """On the patient page (`page_reads`), keep the patient's assessments as
    `selectors.assessments_of_patient` lists them (every version, with the measures'
    columns) for the rehab panel's measures; elsewhere nothing is kept."""
    shared = page_reads(patient)
    if shared is not None:
        shared[_LISTED] = assessments


def _from_listed(listed: list[Assessment] | None) -> list[Assessment] | None:
    """What `_final_visits` reads, from the listed assessments: the final ones in force (not
    replaced by a final amendment), each episode's newest first."""
    if listed is None:
        return None
    final = Assessment.Status.FINAL
    visits = [
        visit
        for visit in listed
        if visit.status == final
        and getattr(getattr(visit, "superseded_by", None), "status", None) != final
    ]
    visits.sort(key=lambda visit: (visit.assessed_on, visit.created_at), reverse=True)
    visits.sort(key=lambda visit: visit.episode_id)
    return visits


def _final_visits(*, patient_id: int):
    # Every final assessment in force of the patient's episodes, each episode's newest first;
    # a patient has a few dozen at most, so reading the other episodes' too costs less than
    # compiling a query per set of episodes.
    return (
        Assessment.objects.filter(episode__patient_id=patient_id, status=Assessment.Status.FINAL)
        .exclude(superseded_by__status=Assessment.Status.FINAL)
        .order_by("episode_id", "-assessed_on", "-created_at")
        .only("episode_id", "kind", "assessed_on", *KEYS)
    )


def _take(found: dict[str, dict], visit: Assessment) -> None:
    """Add the visit's readings for the keys no newer visit of its episode recorded."""
    for key in KEYS:
        value = getattr(visit, key)
        if key in found or value is None:
            continue
        found[key] = {
            "value": value,
            "on": visit.assessed_on,
            "source": f"{display(visit, 'kind')} assessment, {day_month_year(visit.assessed_on)}",
        }
