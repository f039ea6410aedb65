"""Reads for staged rehab: an episode's measures, current stage, criteria, history, discharge
summaries and what happened in a previous episode. Scoped reads raise 404 for anything the
user may not see; the criteria themselves are judged by the pure rehab.criteria module.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from uuid import UUID
from zoneinfo import ZoneInfo

from django.db import router
from django.db.models import OuterRef, QuerySet, Subquery, prefetch_related_objects
from django.db.models.functions import JSONObject
from django.http import Http404

from assessments.diagnosis.schema import FIELDS
from assessments.models import Assessment, AssessmentDecision
from assessments.outcomes import MEASURES, change_reading
from assessments.selectors import episode_confirmed_decision, patient_confirmed_decisions
from clinic import audit
from clinic.access import CLINICAL, has_role
from clinic.json_rows import JSONRow, RowsArray, instances, rows_array
from clinic.models import beyond_name
from clinic.panels import NOT_READ, portal_read
from clinic.plugins import plugin_modules
from clinic.rows import prepared_list
from exercises.progress_selectors import recent_logs_of_patient
from exercises.selectors import patient_today
from patients import page_rows
from patients.models import Episode
from patients.selectors import of_patient_episodes, open_episodes
from rehab import criteria as rules
from rehab.catalogue import CATALOGUE, Stage, StageList, stage_label
from rehab.models import DischargeSummary, StageChange

NO_DIAGNOSIS = "No confirmed diagnosis yet: the stages follow the confirmed diagnosis."
RED_FLAG = "On hold: a red-flag referral is the diagnosis in force, so there are no rehab stages."

#: The outcome measures an assessment records (the others, such as strength, come from re-tests).
ASSESSED_MEASURES = tuple(name for name in MEASURES if name in FIELDS)


def episode_measures(*, episode) -> dict[str, dict]:
    """Every app's measures for the episode (`<app>/measures.py`, contract in clinic/plugins.py);
    where two apps give the same key, the newest "on" wins."""
    return measures_of_episodes(episodes=[episode])[episode.pk]


def measures_of_episodes(
    *, episodes, keys: frozenset[str] | None = None
) -> dict[int, dict[str, dict]]:
    """`episode_measures` of several episodes, by episode id: one read per app for all of
    them where the app offers `latest_measures_of_episodes`, else one per episode. With
    `keys`, an app that declares its `KEYS` and offers none of them is not read at all."""
    merged: dict[int, dict[str, dict]] = {episode.pk: {} for episode in episodes}
    for module in plugin_modules("measures"):
        offered = getattr(module, "KEYS", None)
        if keys is not None and offered is not None and keys.isdisjoint(offered):
            continue
        many = getattr(module, "latest_measures_of_episodes", None)
        if many is not None:
            found = many(episodes=episodes)
        else:
            found = {episode.pk: module.latest_measures(episode=episode) for episode in episodes}
        for episode_id, measures in found.items():
            into = merged[episode_id]
            for key, entry in measures.items():
                if key not in into or entry["on"] > into[key]["on"]:
                    into[key] = entry
    return merged


def portal_stage(*, patient) -> tuple[Stage, StageList] | None:
    """The stage of the patient's newest open episode that has a confirmed diagnosis, and its
    stage list, for the portal home; None before a diagnosis or for a red flag. The decision
    comes from `patient_confirmed_decisions` (read once for the page, shared with the
    condition panel and the red-flag notice); the stage is one query, only for a diagnosis
    with stages (compiled once per process: clinic/rows.py)."""
    in_force = [
        decision
        for decision in patient_confirmed_decisions(patient=patient)
        if decision.episode.status == Episode.Status.OPEN
    ]
    if not in_force:
        return None
    decision = max(in_force, key=lambda decision: decision.episode.number)
    stages = CATALOGUE.stage_list_for(decision.final_dx)
    if stages is None:
        return None
    read = portal_read(patient, "rehab.stages")
    if read is NOT_READ:
        newest = prepared_list(
            "rehab_portal_stage", StageChange, _newest_stage, episode_id=decision.episode_id
        )
        current = newest[0]["to_stage"] if newest else ""
    else:
        current = next(
            (row["to_stage"] or "" for row in read if row["episode"] == decision.episode_id), ""
        )
    return stages.stages[stages.index_of(current) or 0], stages


def portal_home_reads() -> dict:
    """For the portal home's one statement (portal.selectors.home_reads), correlated with the
    patient's row: each open episode's newest stage ("" or None before any change), which
    `portal_stage` reads instead of a statement of its own."""
    newest = StageChange.objects.filter(episode_id=OuterRef("pk")).order_by("-decided_at", "-id")
    return {
        "rehab.stages": RowsArray(
            Episode.objects.filter(patient_id=OuterRef("pk"), status=Episode.Status.OPEN).values(
                row=JSONRow(episode="id", to_stage=Subquery(newest.values("to_stage")[:1]))
            )
        )
    }


def _newest_stage(*, episode_id: int):
    return (
        StageChange.objects.filter(episode_id=episode_id)
        .order_by("-decided_at", "-id")
        .values("to_stage")[:1]
    )


def episode_stage(*, episode, final_dx: str) -> Stage | None:
    """The episode's current stage in the stage list of `final_dx` (the first stage before any
    change is recorded); None for a diagnosis without stages (one query, none then)."""
    stages = CATALOGUE.stage_list_for(final_dx)
    if stages is None:
        return None
    newest = (
        StageChange.objects.filter(episode=episode)
        .order_by("-decided_at", "-id")
        .values_list("to_stage", flat=True)
        .first()
    )
    return stages.stages[stages.index_of(newest or "") or 0]


def pain_facts(*, episode, days: int | None = None) -> rules.PainFacts:
    """The episode's portal exercise logs of the last `days` days (by default as many as any
    criterion looks back), in the patient's own days (one query)."""
    return pain_facts_of_episodes(episodes=[episode], days=days)[episode.pk]


def pain_facts_of_episodes(*, episodes, days: int | None = None) -> dict[int, rules.PainFacts]:
    """`pain_facts` of several episodes, by episode id (one query per patient however many of
    their episodes, compiled once per process and shared with the exercise progress
    suggestions: `exercises.progress_selectors.recent_logs_of_patient`)."""
    days = days or max(
        (c.params["days"] for c in CATALOGUE.criteria.values() if c.rule == "pain_settled"),
        default=7,
    )
    todays = {episode.pk: patient_today(episode.patient) for episode in episodes}
    span = dt.timedelta(days=days)
    logs: dict[int, list[rules.PainLog]] = {episode_id: [] for episode_id in todays}
    patients = {}  # one read per patient, shared with the exercise progress suggestions
    for episode in episodes:
        patients.setdefault(episode.patient_id, (episode.patient, todays[episode.pk]))
    for patient, today in patients.values():
        recent = recent_logs_of_patient(patient=patient, since=today - span + dt.timedelta(days=1))
        for log in reversed(recent):  # oldest first
            if log["plan_episode_id"] in logs and log["date"] <= today:
                logs[log["plan_episode_id"]].append(
                    rules.PainLog(log["date"], log["pain_during"], log["worse_next_morning"])
                )
    return {
        episode_id: rules.PainFacts(today=today, logs=tuple(logs[episode_id]))
        for episode_id, today in todays.items()
    }


@dataclass
class StagePeriod:
    stage: Stage
    entered_on: dt.date
    left_on: dt.date | None
    #: The patient's today (in their own time zone), where a stage still going on ends.
    today: dt.date

    @property
    def days(self) -> int:
        return ((self.left_on or self.today) - self.entered_on).days


@dataclass
class RehabStatus:
    """Where an episode stands. `stage_list` is None (with `message`) before a diagnosis is
    confirmed, or for a red-flag referral."""

    episode: Episode
    decision: AssessmentDecision | None
    stage_list: StageList | None = None
    message: str = ""
    stage: Stage | None = None
    results: list[rules.CriterionResult] = field(default_factory=list)
    changes: list[StageChange] = field(default_factory=list)  # oldest first

    @property
    def index(self) -> int:
        return self.stage_list.index_of(self.stage.code) if self.stage else 0

    @property
    def next_stage(self) -> Stage | None:
        if self.stage_list is None or self.index + 1 >= len(self.stage_list.stages):
            return None
        return self.stage_list.stages[self.index + 1]

    @property
    def earlier_stages(self) -> tuple[Stage, ...]:
        return self.stage_list.stages[: self.index] if self.stage_list else ()

    @property
    def is_last(self) -> bool:
        return self.stage_list is not None and self.next_stage is None

    @property
    def all_met(self) -> bool:
        return bool(self.results) and rules.all_met(self.results)

    @property
    def position(self) -> str:
        return f"Stage {self.index + 1} of {len(self.stage_list.stages)}" if self.stage else ""

    def periods(self) -> list[StagePeriod]:
        """Each stage the episode was in, when it entered and left (None: still there)."""
        if self.stage_list is None:
            return []
        local = ZoneInfo(self.episode.patient.time_zone)
        today = patient_today(self.episode.patient)
        start = self.decision.confirmed_at
        if self.changes:
            start = min(start, self.changes[0].decided_at)
        periods: list[StagePeriod] = []
        current = self.changes[0].from_stage if self.changes else self.stage.code
        entered = start.astimezone(local).date()
        for change in self.changes:
            left = change.decided_at.astimezone(local).date()
            periods.append(StagePeriod(self._stage(current), entered, left, today))
            current, entered = change.to_stage, left
        end = self.episode.discharged_on
        periods.append(StagePeriod(self._stage(current), entered, end, today))
        return periods

    def _stage(self, code: str) -> Stage:
        index = self.stage_list.index_of(code)
        if index is None:  # a stage of another list (the diagnosis changed since)
            return Stage(code, stage_label(self.stage_list.name, code), "", ())
        return self.stage_list.stages[index]


#: Where `stage_changes_of_patient` keeps what it read, on the patient object of the request.
_STAGE_CHANGES = "_stage_changes_of_patient"
#: Where the recovery page's statement keeps the discharge summaries (`portal_page_reads`).
_SUMMARIES = "_summaries_of_patient"


def stage_changes_of_patient(*, patient) -> list[StageChange]:
    """Every stage change on the patient's episodes, oldest first, with `decided_by`. One
    query, read once per patient object: the patient page's timeline and its rehab panel
    (`episode_rehab` for each episode) share it. Read-only page code only: a view that moves
    a stage must not have called it first. Compiled once per process (clinic/rows.py)."""
    loaded = patient.__dict__.get(_STAGE_CHANGES)
    if loaded is None:
        loaded = page_rows.taken(patient, "stage_changes_of_patient")
        if loaded is None:
            loaded = prepared_list(
                "stage_changes_of_patient", StageChange, _stage_changes_of, patient_id=patient.pk
            )
        patient.__dict__[_STAGE_CHANGES] = loaded
    return loaded


def _stage_changes_of(*, patient_id: int):
    return (
        StageChange.objects.filter(of_patient_episodes("episode", patient_id))
        .select_related("decided_by")
        .defer(*beyond_name("decided_by"))  # the timeline says who, by name
        .order_by("decided_at", "id")
    )


def portal_rehab_of_patient(*, patient) -> tuple[list[RehabStatus], list[DischargeSummary]]:
    """The patient's own recovery page: each open episode's `episode_rehab`, newest first, and
    their discharge summaries. Reads the decisions in force once (shared with the red-flag
    notice: `assessments.selectors.patient_confirmed_decisions`) and the episodes once; the
    stage changes (compiled SQL) only when an open episode's diagnosis has stages, and the
    summaries only when an episode is discharged."""
    decisions = patient_confirmed_decisions(patient=patient)
    read = portal_read(patient, "rehab.page")
    if read is NOT_READ:
        prefetch_related_objects([patient], "episodes")
    else:
        _keep_page_read(patient, read)
    episodes = patient.episodes.all()
    if any(
        decision.episode.is_open and CATALOGUE.stage_list_for(decision.final_dx)
        for decision in decisions
    ):
        stage_changes_of_patient(patient=patient)
    statuses = episodes_rehab(episodes=open_episodes(patient=patient), judged_only=True)
    return statuses, summaries_of_patient(patient=patient, episodes=episodes)


def _columns(model, *, key: bool = True, only=None) -> list[str]:
    """The model's column names in its own order (as `Model.from_db` takes them)."""
    return [
        field.attname
        for field in model._meta.concrete_fields
        if (key or not field.primary_key) and (only is None or field.attname in only)
    ]


#: Of the episodes, stage changes and summaries, only what the recovery page uses (which
#: episodes are open, their numbers; the stage each is at, its periods; each summary's link,
#: episode number and discharge day): the times of each row, the criteria snapshots, reasons
#: and who decided are left deferred, neither read nor decoded.
_EPISODE_ROWS = {
    "fields": _columns(Episode, only={"id", "patient_id", "number", "status", "discharged_on"})
}
_CHANGE_ROWS = {
    "fields": _columns(
        StageChange, only={"id", "episode_id", "from_stage", "to_stage", "decided_at"}
    )
}
_SUMMARY_ROWS = {
    "fields": _columns(DischargeSummary, only={"id", "public_id", "episode_id"}),
    "related": {"episode": _columns(Episode, only={"number", "discharged_on"})},
}


def portal_page_reads() -> dict:
    """For the portal recovery page's one statement on the patient's row (portal.selectors),
    correlated with it: the patient's episodes, stage changes and discharge summaries, as
    `portal_rehab_of_patient` would read them (then with no statement of its own)."""
    patient_id = OuterRef("pk")
    return {
        "rehab.page": JSONObject(
            episodes=rows_array(
                Episode.objects.filter(patient_id=patient_id).order_by("-number"), **_EPISODE_ROWS
            ),
            changes=rows_array(_stage_changes_of(patient_id=patient_id), **_CHANGE_ROWS),
            summaries=rows_array(_summaries_of(patient_id=patient_id), **_SUMMARY_ROWS),
        )
    }


def _keep_page_read(patient, read: dict) -> None:
    """Keep `portal_page_reads`'s rows where the selectors look: the episodes as the patient's
    prefetched `episodes` (each with its patient), the stage changes and the summaries."""
    alias = router.db_for_read(Episode)
    episodes = instances(Episode, alias, read["episodes"], **_EPISODE_ROWS)
    for episode in episodes:
        Episode.patient.field.set_cached_value(episode, patient)
    loaded = patient.episodes.all()
    loaded._result_cache, loaded._prefetch_done = episodes, True  # as prefetch_related does
    patient._prefetched_objects_cache = {"episodes": loaded}
    patient.__dict__[_STAGE_CHANGES] = instances(
        StageChange, alias, read["changes"], **_CHANGE_ROWS
    )
    patient.__dict__[_SUMMARIES] = instances(
        DischargeSummary, alias, read["summaries"], **_SUMMARY_ROWS
    )


def episode_rehab(
    *, episode, measures: dict | None = None, pain: rules.PainFacts | None = None
) -> RehabStatus:
    """The episode's stage list, current stage and how its exit criteria stand (four queries
    and one per extra app with measures: the decision, the stage changes, the assessments'
    measures and the exercise logs; the first two come without a query when the page has read
    the patient's decisions and stage changes already)."""
    status = _stage_status(episode=episode)
    if status.stage is not None:
        measures = episode_measures(episode=episode) if measures is None else measures
        pain = pain_facts(episode=episode) if pain is None else pain
        status.results = rules.evaluate_stage(status.stage, CATALOGUE.criteria, measures, pain)
    return status


def episodes_rehab(*, episodes, judged_only: bool = False) -> list[RehabStatus]:
    """`episode_rehab` of each episode, in their order, with the measures and exercise logs
    read once for all those that have stages: the same number of queries for one open episode
    as for several (the patient page's rehab panel). `judged_only` (the portal's recovery
    page and the patient page's panel): read only the measures the current stages' criteria
    judge, so an app whose measures none of them names costs no statement (on the patient
    page, no rows to decode and sort); the results are the same."""
    statuses = [_stage_status(episode=episode) for episode in episodes]
    staged = [status.episode for status in statuses if status.stage is not None]
    if staged:
        keys = None
        if judged_only:
            keys = frozenset().union(
                *(
                    rules.measure_keys(CATALOGUE.criteria[code])
                    for status in statuses
                    if status.stage is not None
                    for code in status.stage.exit
                )
            )
        measures = measures_of_episodes(episodes=staged, keys=keys)
        pain = pain_facts_of_episodes(episodes=staged)
        for status in statuses:
            if status.stage is not None:
                key = status.episode.pk
                status.results = rules.evaluate_stage(
                    status.stage, CATALOGUE.criteria, measures[key], pain[key]
                )
    return statuses


def _stage_status(*, episode) -> RehabStatus:
    """The decision, stage list, stage changes and current stage; criteria not judged yet."""
    decision = episode_confirmed_decision(episode=episode)
    status = RehabStatus(episode=episode, decision=decision)
    if decision is None:
        status.message = NO_DIAGNOSIS
        return status
    status.stage_list = CATALOGUE.stage_list_for(decision.final_dx)
    if status.stage_list is None:
        status.message = RED_FLAG
        return status
    patient = episode._state.fields_cache.get("patient")
    loaded = None if patient is None else patient.__dict__.get(_STAGE_CHANGES)
    if loaded is not None:
        status.changes = [change for change in loaded if change.episode_id == episode.pk]
    else:
        status.changes = list(
            StageChange.objects.filter(episode=episode)
            .select_related("decided_by")
            .order_by("decided_at", "id")
        )
    code = status.changes[-1].to_stage if status.changes else ""
    index = status.stage_list.index_of(code)
    status.stage = status.stage_list.stages[index or 0]
    return status


def outcome_measures(*, episode) -> list[dict]:
    """The outcome measures at the start of the episode (the newest final intake) against the
    newest final visit, with the reading of the change (assessments.outcomes.change_reading).
    Measures recorded at neither visit are left out (one query)."""
    visits = list(
        Assessment.objects.filter(episode_id=episode.pk, status=Assessment.Status.FINAL)
        .exclude(superseded_by__status=Assessment.Status.FINAL)
        .order_by("-assessed_on", "-created_at")
        .only("kind", "assessed_on", *ASSESSED_MEASURES)
    )
    intakes = [visit for visit in visits if visit.kind == Assessment.Kind.INTAKE]
    if not intakes:
        return []
    baseline, latest = intakes[0], visits[0]
    rows = []
    for name in ASSESSED_MEASURES:
        before = getattr(baseline, name)
        now = getattr(latest, name) if latest is not baseline else None
        if before is None and now is None:
            continue
        rows.append(
            {
                "name": name,
                "label": FIELDS[name].label if name in FIELDS else name,
                "before": _plain(before),
                "now": _plain(now),
                "reading": change_reading(name, before, now),
            }
        )
    return rows


def _plain(value):
    return float(value) if value is not None and not isinstance(value, int) else value


def care_facts(*, episode) -> list[dict]:
    """What was done in the episode: every app's `recurrence.py` facts (the exercises app's
    plans; a treatment app adds its treatments the same way), each {"label", "items"}."""
    facts: list[dict] = []
    for module in plugin_modules("recurrence"):
        facts.extend(module.recurrence_facts(episode=episode))
    return facts


@dataclass
class PreviousEpisode:
    """What happened last time, for a recurrence."""

    episode: Episode
    diagnosis: str
    periods: list[StagePeriod]
    care: list[dict]
    stalled: StagePeriod | None
    unmet_at_discharge: list[dict]


def previous_episode(*, episode, episodes=None, summaries=None) -> PreviousEpisode | None:
    """The newest discharged earlier episode of the same patient, with its diagnosis, stages
    and how long each took, what was done and where it stalled; None for a first episode.
    `summaries`: the patient's discharge summaries when already read (`summaries_of_patient`).
    `episodes`: the patient's episodes when already loaded (no query to find the earlier one;
    none at all for a first episode)."""
    if episodes is None:
        episodes = Episode.objects.filter(patient_id=episode.patient_id)
    earlier = max(
        (e for e in episodes if e.number < episode.number and not e.is_open),
        key=lambda e: e.number,
        default=None,
    )
    if earlier is None:
        return None
    earlier.patient = episode.patient
    if summaries is None:
        summary = DischargeSummary.objects.filter(episode=earlier).first()
    else:
        summary = next((found for found in summaries if found.episode_id == earlier.pk), None)
    # Its stages and how long each took; the criteria are the summary's, as they stood, so
    # its stage's exit criteria are not judged again (nothing here reads them).
    status = _stage_status(episode=earlier)
    periods = status.periods()
    decision = status.decision
    return PreviousEpisode(
        episode=earlier,
        diagnosis=decision.get_clinician_final_dx_display() if decision else "Not confirmed",
        periods=periods,
        care=summary.care if summary else care_facts(episode=earlier),
        stalled=max(periods, key=lambda period: period.days) if len(periods) > 1 else None,
        unmet_at_discharge=[
            row for row in (summary.criteria if summary else []) if row["status"] != rules.MET
        ],
    )


# --- Discharge summaries ------------------------------------------------------------------


def _summaries() -> QuerySet[DischargeSummary]:
    return DischargeSummary.objects.select_related("episode__patient", "created_by")


def summary_for_user(*, user, public_id: UUID | str) -> DischargeSummary:
    """A discharge summary for clinicians; 404 for anyone else or an unknown id."""
    if not has_role(user, CLINICAL):
        raise Http404("No such summary")
    return _found(_summaries(), public_id)


def summary_for_portal_user(*, user, public_id: UUID | str) -> DischargeSummary:
    """One of the signed-in patient's own discharge summaries; 404 for anyone else's."""
    summaries = _summaries().filter(
        episode__patient__user=user, episode__patient__archived_at__isnull=True
    )
    return _found(summaries, public_id)


def _found(summaries: QuerySet[DischargeSummary], public_id) -> DischargeSummary:
    try:
        summary = summaries.get(public_id=public_id)
    except (DischargeSummary.DoesNotExist, ValueError, TypeError):
        raise Http404("No such summary") from None
    audit.note_patient(summary.episode.patient, summary)
    return summary


def summaries_of_patient(*, patient, episodes=None) -> list[DischargeSummary]:
    """The patient's discharge summaries, newest episode first (one query, compiled once per
    process: clinic/rows.py; none when the patient's loaded `episodes` show that none is
    discharged)."""
    if episodes is not None and all(episode.is_open for episode in episodes):
        return []
    if _SUMMARIES in patient.__dict__:  # read with the page (`portal_page_reads`)
        return patient.__dict__[_SUMMARIES]
    found = page_rows.taken(patient, "rehab_summaries_of_patient")
    if found is not None:
        return found
    return prepared_list(
        "rehab_summaries_of_patient", DischargeSummary, _summaries_of, patient_id=patient.pk
    )


def _summaries_of(*, patient_id: int):
    return (
        DischargeSummary.objects.filter(episode__patient_id=patient_id)
        .select_related("episode")
        .order_by("-episode__number")
    )
