"""Assessments, exercise plans and session logs for `seed_load` (see loadgen/load_data.py)."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass
from decimal import Decimal

from assessments import stored_result
from assessments.diagnosis.schema import FIELDS, Kind
from assessments.models import Assessment
from exercises.adherence import doses_due, week_doses
from exercises.models import Exercise, ExercisePlan, PlanItem, PlanVersion, PlanWeek, SessionLog
from exercises.services import plan_snapshot, sessions_per_week_for
from loadgen.bulk import TableWriter
from loadgen.state import PER_10K, Build, PatientRow, tick


def _finding(spec, rng: random.Random):
    if rng.random() < 0.2:
        return None  # not recorded
    if spec.kind is Kind.ENUM:
        return rng.choice(spec.values)
    if spec.kind is Kind.MULTI_ENUM:
        return [rng.choice(spec.values)]
    if spec.kind is Kind.BOOL:
        return rng.random() < 0.1
    low = spec.min_value if spec.min_value is not None else 0
    high = spec.max_value if spec.max_value is not None else 10
    if spec.kind is Kind.INT:
        return rng.randint(low, high)
    places = spec.decimal_places or 2
    return Decimal(f"{rng.uniform(low, high):.{places}f}")


def assessments_build(run: Build, episode_dates: dict[int, tuple[dt.date, bool]]) -> None:
    """An intake on every episode; follow-ups on single-episode patients make up the rest."""
    rng = run.rng
    target = round(PER_10K["assessments"] * run.n / 10_000)
    plan: list[tuple[PatientRow, int, str]] = [
        (row, episode_id, Assessment.Kind.INTAKE)
        for row in run.patients
        for episode_id in row.episode_ids
    ]
    single = [row for row in run.patients if len(row.episode_ids) == 1]
    for k in range(max(0, target - len(plan))):
        row = single[k % len(single)]
        plan.append((row, row.episode_ids[-1], Assessment.Kind.FOLLOW_UP))
    finding_names = list(FIELDS)
    writer = TableWriter(
        Assessment,
        [
            "id",
            "public_id",
            "created_at",
            "updated_at",
            "episode",
            "therapist",
            "kind",
            "status",
            "assessed_on",
            "version",
            "supersedes",
            "amendment_reason",
            "finalised_at",
            "finalised_by",
            "prefilled_from",
            *finding_names,
            "engine_result",
        ],
    )
    for done, ((row, episode_id, kind), pk) in enumerate(
        zip(plan, writer.reserve_ids(len(plan)), strict=True), start=1
    ):
        started, _ = episode_dates[episode_id]
        offset = rng.randint(1, 5) if kind == Assessment.Kind.INTAKE else rng.randint(30, 90)
        assessed_on = min(started + dt.timedelta(days=offset), run.today)
        at = dt.datetime.combine(assessed_on, dt.time(11), tzinfo=dt.UTC)
        final = kind == Assessment.Kind.INTAKE or rng.random() < 0.95
        values = [_finding(FIELDS[name], rng) for name in finding_names]
        # What assessment_create stores: the engine's result for `Assessment.findings()`.
        findings = {
            name: float(value) if isinstance(value, Decimal) else value
            for name, value in zip(finding_names, values, strict=True)
            if value is not None
        }
        writer.add(
            (
                pk,
                uuid.uuid4(),
                at,
                at,
                episode_id,
                row.therapist_id,
                kind,
                Assessment.Status.FINAL if final else Assessment.Status.DRAFT,
                assessed_on,
                1,
                None,
                "",
                at if final else None,
                row.therapist_id if final else None,
                "",
                *values,
                stored_result.record(findings),
            )
        )
        if final and kind == Assessment.Kind.INTAKE and episode_id == row.episode_ids[-1]:
            run.intakes[episode_id] = (pk, row.therapist_id, at)
        tick(run, "assessments", done, len(plan))
    writer.flush()
    run.counts["assessments"] = writer.written


# --- Exercise plans, session logs, weekly totals ------------------------------------------


@dataclass
class PlanRow:
    pk: int
    patient: PatientRow
    status: str
    start: dt.date
    end: dt.date | None
    logged: set[dt.date]


def plans_build(run: Build) -> list[PlanRow]:
    """One published plan per patient, on their open episode, with its session logs."""
    rng = run.rng
    library = list(Exercise.objects.filter(archived_at__isnull=True).order_by("code"))
    per_plan = PER_10K["plan_items_per_plan"]
    if len(library) < per_plan:
        raise ValueError("The exercise library must hold at least 4 exercises.")
    entries = {
        exercise.pk: plan_snapshot(plan=None, items=[PlanItem(exercise=exercise)])[0]
        for exercise in library
    }
    plans = TableWriter(
        ExercisePlan,
        [
            "id",
            "public_id",
            "created_at",
            "updated_at",
            "episode",
            "patient",
            "status",
            "start_date",
            "end_date",
            "created_by",
            "current_version",
            "last_logged_on",
            "hold_reason",
            "resume_reason",
        ],
    )
    versions = TableWriter(
        PlanVersion,
        [
            "id",
            "plan",
            "number",
            "items",
            "sessions_per_week",
            "published_at",
            "published_by",
            "change_summary",
        ],
    )
    items = TableWriter(
        PlanItem,
        [
            "public_id",
            "plan",
            "exercise",
            "position",
            "sets",
            "reps",
            "hold_seconds",
            "duration_minutes",
            "times_per_day",
            "days_per_week",
            "note",
            "progression_step",
            "weekdays",
            "reps_per_set",
        ],
    )
    logs = TableWriter(
        SessionLog,
        [
            "public_id",
            "created_at",
            "updated_at",
            "patient",
            "plan",
            "version",
            "date",
            "done",
            "done_count",
            "item_count",
            "pain_during",
            "pain_after",
            "difficulty",
            "comment",
            "lasting_pins_needles",
            "new_symptoms",
        ],
    )
    weeks = TableWriter(
        PlanWeek,
        [
            "plan",
            "week_start",
            "sessions_logged",
            "sessions_prescribed",
            "pain_count",
            "pain_during_sum",
            "pain_after_sum",
            "pain_peak_sum",
            "doses_done",
            "doses_due",
        ],
    )
    logs_per_plan = PER_10K["logs_per_plan"]
    plan_ids = plans.reserve_ids(run.n)
    version_ids = versions.reserve_ids(run.n)
    result: list[PlanRow] = []
    difficulties = SessionLog.Difficulty.values
    for done, (row, pk, version_id) in enumerate(
        zip(run.patients, plan_ids, version_ids, strict=True), start=1
    ):
        roll = rng.random()
        status = (
            ExercisePlan.Status.ACTIVE
            if roll < 0.9
            else ExercisePlan.Status.COMPLETED
            if roll < 0.97
            else ExercisePlan.Status.PAUSED
        )
        # Fifty logs over the plan's first 52-66 days: 75-95% adherence, as in a real clinic.
        if status == ExercisePlan.Status.COMPLETED:
            start = run.today - dt.timedelta(days=rng.randint(60, 120))
            end = start + dt.timedelta(days=55)
        else:
            start, end = run.today - dt.timedelta(days=rng.randint(52, 66)), None
        last_day = min(end or run.today, run.today - dt.timedelta(days=1))
        span = (last_day - start).days + 1
        dates = sorted(start + dt.timedelta(days=d) for d in rng.sample(range(span), logs_per_plan))
        chosen = rng.sample(library, per_plan)
        snapshot = [entries[exercise.pk] for exercise in chosen]
        keys = [entry["key"] for entry in snapshot]
        per_week = sessions_per_week_for(snapshot)
        published = dt.datetime.combine(start, dt.time(9), tzinfo=dt.UTC)
        plans.add(
            (
                pk,
                uuid.uuid4(),
                published,
                published,
                row.episode_ids[-1],
                row.pk,
                status,
                start,
                end,
                row.therapist_id,
                version_id,
                dates[-1],
                "",  # no plan is on hold for a red flag in the generated data
                "",
            )
        )
        versions.add((version_id, pk, 1, snapshot, per_week, published, row.therapist_id, ""))
        for position, exercise in enumerate(chosen):
            items.add((uuid.uuid4(), pk, exercise.pk, position, *([None] * 6), "", "", [], []))
        totals: dict[dt.date, list[int]] = {}
        done_on: dict[dt.date, dict[dt.date, set[str]]] = {}
        first_pain = rng.randint(2, 6)
        for number, day in enumerate(dates):
            did = [key for key in keys if rng.random() < 0.85]
            # Pain eases over the plan, with day-to-day noise.
            during = _clamp(first_pain * (1 - number / (2 * len(dates))) + rng.gauss(0, 0.8))
            after = _clamp(during + rng.choice((-1, 0, 0, 1)))
            at = dt.datetime.combine(day, dt.time(19), tzinfo=dt.UTC)
            logs.add(
                (
                    uuid.uuid4(),
                    at,
                    at,
                    row.pk,
                    pk,
                    version_id,
                    day,
                    did,
                    len(did),
                    len(keys),
                    during,
                    after,
                    rng.choice(difficulties),
                    "",
                    False,
                    [],
                )
            )
            week = start + dt.timedelta(days=7 * ((day - start).days // 7))
            total = totals.setdefault(week, [0, 0, 0, 0, 0])
            total[0] += 1 if did else 0
            total[1] += 1
            total[2] += during
            total[3] += after
            total[4] += max(during, after)
            done_on.setdefault(week, {})[day] = set(did)
        for week, (logged, count, during, after, peak) in sorted(totals.items()):
            # as the site counts them: each exercise on its days (exercises.schedule)
            due = doses_due(
                items=snapshot,
                sessions_per_week=per_week,
                plan_start=start,
                week_start=week,
                end_date=end,
            )
            doses = week_doses(due=due, done_on=done_on[week])
            weeks.add((pk, week, logged, per_week, count, during, after, peak, *doses))
        result.append(PlanRow(pk, row, status, start, end, set(dates)))
        tick(run, "plans and logs", done, run.n)
    for writer in (plans, versions, items, logs, weeks):
        writer.flush()
    run.counts.update(plans=plans.written, plan_items=items.written, session_logs=logs.written)
    return result


def _clamp(value: float) -> int:
    return max(0, min(10, round(value)))


# --- Reminders -----------------------------------------------------------------------------
