"""Reads for progressions: where each published item stands and what the logs suggest.

Suggestions are computed on every view, never stored (like the adherence alerts), from the
plans' published versions and recent portal logs (exercises/progress_rule.py decides).
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import F, Func, JSONField

from clinic.rows import prepared_list
from exercises.ladders import PROGRESSIONS, Step
from exercises.models import ExercisePlan, PlanVersion, SessionLog
from exercises.progress_rule import Session, Suggestion, suggest
from exercises.selectors import patient_today
from patients import page_rows
from patients.selectors import page_reads


@dataclass(frozen=True)
class ItemProgress:
    """One published item's place on its ladder, since when, and the suggestion (or None)."""

    code: str
    name: str
    step: Step
    since: dt.date
    suggestion: Suggestion | None
    has_next: bool
    has_previous: bool


def _unchanged(item: dict, other: dict | None) -> bool:
    return (
        other is not None
        and (other.get("step") or {}).get("key") == item["step"]["key"]
        and other.get("dose") == item.get("dose")
    )


class LadderItems(Func):
    """A version's items with only what the suggestions and "what happened last time" read of
    each (its key, name, step and dose), in their order: the library's instructions, stop rules
    and notes make up four fifths of an item and were read, sent and decoded twice on every
    patient page for nothing. On PostgreSQL built by the server; elsewhere the items whole."""

    output_field = JSONField()
    # An array of the objects made into one jsonb value (empty for no items, as the COALESCE
    # of a `jsonb_agg` gave): the same value, for about two thirds less of the server's CPU
    # than aggregating them one by one (the ladder was the page statement's dearest column).
    template = (
        "to_jsonb(ARRAY(SELECT jsonb_build_object('key', e->'key', 'name', e->'name',"
        " 'step', e->'step', 'dose', e->'dose')"
        " FROM jsonb_array_elements(%(expressions)s) WITH ORDINALITY AS t(e, n) ORDER BY n))"
    )

    def as_sql(self, compiler, connection, **extra):
        if connection.vendor != "postgresql":
            return compiler.compile(self.source_expressions[0])
        return super().as_sql(compiler, connection, **extra)


def version_items(version: PlanVersion) -> list[dict]:
    """The items of a version as the suggestions read them: `ladder_items` where the read
    took only those (`_versions`), else the version's items whole (the plan page's own read)."""
    items = version.__dict__.get("ladder_items")
    return version.items if items is None else items


def _since(key: str, versions: list[PlanVersion], zone: ZoneInfo, days: dict) -> dt.date:
    """The day (in the patient's zone) the item reached its current step and dose: the
    oldest version of the unbroken run, newest first, in which it looked as it does now.
    `days`: each moment's day in the zone, kept by the caller for the plan's other items (a
    version's items share its moment)."""
    first = versions[0]
    since = first.published_at
    if len(versions) > 1:  # most plans have one version: nothing to look back on
        item = next(entry for entry in version_items(first) if entry["key"] == key)
        for version in versions[1:]:
            found = next((e for e in version_items(version) if e["key"] == key), None)
            if not _unchanged(item, found):
                break
            since = version.published_at
    day = days.get(since)
    if day is None:
        day = days[since] = since.astimezone(zone).date()
    return day


#: Whether each step has a next and a previous step on its ladder (`suggest`'s `has_next` and
#: `has_previous`): the progressions are read once, at import, so this is worked out once too
#: rather than twice for every laddered item on every patient page.
_NEIGHBOURS = {
    key: (
        PROGRESSIONS.neighbour(step, +1) is not None,
        PROGRESSIONS.neighbour(step, -1) is not None,
    )
    for key, step in PROGRESSIONS.steps.items()
}


def progress_for_plans(
    *, patient, plans: list[ExercisePlan], versions: list[PlanVersion] | None = None
) -> dict[int, list[ItemProgress]]:
    """Per active plan id (plans of `patient`), its laddered items in plan order with their
    suggestions.

    Two queries whatever the number of plans, items or logs: the plans' versions (skipped when
    the caller passes them, newest first) and their logs of the longest rule window, each
    compiled once per process (clinic/rows.py: they read the patient's, filtered here; the logs
    through `recent_logs_of_patient`, which the rehab panel's window shares).
    """
    plans = [
        plan
        for plan in plans
        if plan.status == ExercisePlan.Status.ACTIVE and plan.current_version_id is not None
    ]
    if not plans:
        return {}
    if versions is None:
        versions = versions_of_patient(patient=patient)
    by_plan: dict[int, list[PlanVersion]] = {plan.pk: [] for plan in plans}
    for version in versions:
        if version.plan_id in by_plan:
            by_plan[version.plan_id].append(version)
    today = patient_today(patient)
    zone = ZoneInfo(patient.time_zone)
    logs: dict[int, list[dict]] = {plan.pk: [] for plan in plans}
    since = logs_window_start(today)
    for log in recent_logs_of_patient(patient=patient, since=since):
        if log["plan_id"] in logs:
            logs[log["plan_id"]].append(log)
    result = {}
    steps = PROGRESSIONS.steps
    for plan in plans:
        history = sorted(by_plan[plan.pk], key=lambda version: -version.number)
        # Each log's facts once for the plan's items (each item adds only whether it was done).
        facts = [
            (
                log["date"],
                log["pain_during"],
                log["pain_after"],
                log["worse_next_morning"],
                log["done"],
            )
            for log in logs[plan.pk]
        ]
        days: dict = {}
        entries = []
        for item in version_items(history[0]) if history else []:
            step = steps.get((item.get("step") or {}).get("key", ""))
            if step is None:
                continue  # no ladder, or a version from before progressions
            has_next, has_previous = _NEIGHBOURS[step.key]
            key = item["key"]
            since = _since(key, history, zone, days)
            # Only the logs of the rule's window: `suggest` looks at no other.
            start = max(since, today - dt.timedelta(days=step.rule.days - 1))
            sessions = [
                Session(on, during, after, worse, key in done)
                for on, during, after, worse, done in facts
                if start <= on <= today
            ]
            entries.append(
                ItemProgress(
                    code=key,
                    name=item["name"],
                    step=step,
                    since=since,
                    suggestion=suggest(
                        rule=step.rule,
                        since=since,
                        today=today,
                        sessions=sessions,
                        has_next=has_next,
                        has_previous=has_previous,
                    ),
                    has_next=has_next,
                    has_previous=has_previous,
                )
            )
        result[plan.pk] = entries
    return result


def logs_window_start(today: dt.date) -> dt.date:
    """The first day of portal logs the progress suggestions look back on (the longest rule
    window), seen from the patient's `today`."""
    return today - _longest_window()


@functools.cache
def _longest_window() -> dt.timedelta:
    # The progressions are read once, at import (exercises/ladders.py): the longest of their
    # rules' windows is the same for the life of the process, and the patient page asks twice
    # a view (a walk over some sixty steps each time).
    return dt.timedelta(days=max(step.rule.days for step in PROGRESSIONS.steps.values()))


def versions_of_patient(*, patient) -> list[PlanVersion]:
    """Every published version of the patient's plans (when, and each item's key, name, step
    and dose as `ladder_items`: read them through `version_items`), by plan, newest first,
    each with its plan's episode id (`plan_episode_id`). One query, compiled once per
    process (clinic/rows.py), kept on the patient instance for the rest of the request: the
    patient page's progress suggestions and the rehab panel's "what happened last time"
    (exercises/recurrence.py) share it (`page_reads`)."""
    kept = versions_kept(patient)
    if kept is None:
        kept = page_rows.taken(patient, "progress_versions")
        if kept is None:
            kept = prepared_list("progress_versions", PlanVersion, _versions, patient_id=patient.pk)
        shared = page_reads(patient)
        if shared is not None:
            shared["exercises.versions"] = kept
    return kept


def versions_kept(patient) -> list[PlanVersion] | None:
    """What `versions_of_patient` read for this patient's page, or None (nothing is read)."""
    shared = page_reads(patient)
    return None if shared is None else shared.get("exercises.versions")


def _versions(*, patient_id: int):
    return (
        PlanVersion.objects.filter(plan__patient_id=patient_id)
        .annotate(plan_episode_id=F("plan__episode_id"), ladder_items=LadderItems("items"))
        .only("plan_id", "number", "published_at")
        .order_by("plan_id", "-number")
    )


def recent_logs_of_patient(*, patient, since: dt.date) -> list[dict]:
    """The patient's portal logs dated `since` or later, newest first, as values (`plan_id`,
    `date`, `pain_during`, `pain_after`, `worse_next_morning`, `done` and the plan's episode id,
    `plan_episode_id`): what the progress suggestions and the rehab criteria look
    back on. One query, compiled once per process (clinic/rows.py); on the patient page a
    later `since` is answered from an earlier read (`page_reads`: it asks for 28 days, then
    for 7)."""
    shared = page_reads(patient)
    kept = None if shared is None else shared.get("exercises.recent_logs")
    if kept is not None and kept[0] <= since:
        return [log for log in kept[1] if log["date"] >= since]
    # The patient page reads the suggestions' window with its other reads (exercises/panels.py).
    start = logs_window_start(patient_today(patient))
    logs = (
        page_rows.taken(patient, "exercises_recent_logs", since=start) if since >= start else None
    )
    if logs is not None:
        if shared is not None:
            shared["exercises.recent_logs"] = (start, logs)
        return [log for log in logs if log["date"] >= since]
    logs = prepared_list(
        "exercises_recent_logs", SessionLog, _recent_logs, patient_id=patient.pk, since=since
    )
    if shared is not None:
        shared["exercises.recent_logs"] = (since, logs)
    return logs


def _recent_logs(*, patient_id: int, since: dt.date):
    # As values: what the suggestions and the rehab criteria read of each log, without a model
    # instance each (a patient logs most days).
    return (
        SessionLog.objects.filter(plan__patient_id=patient_id, date__gte=since)
        .order_by("-date", "-id")
        .values(
            "plan_id",
            "date",
            "pain_during",
            "pain_after",
            "worse_next_morning",
            "done",
            plan_episode_id=F("plan__episode_id"),
        )
    )
