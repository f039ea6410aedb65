"""The course of care for `seed_load` (issue 15): confirmed diagnoses, a session note for the
attended visits with its re-tests and treatments, rehab stage changes and return-to-run
programmes with their runs (see loadgen/load_data.py).

Rates, per open episode with a final intake: nine in ten have a confirmed diagnosis; every
attended visit of an open episode has a session note (signed, except a few recent drafts)
with a before and an after re-test and one to three treatments; an episode with a stage list
has moved on zero to three stages; about a third have a return-to-run programme (one active per
episode), at a step reached by the rule, with one run a day at most and a decision per run.
The rows keep what the services keep: see tests/perf/test_seed_load.py for the checks.
"""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

from assessments.diagnosis.engine import default_final_dx, diagnose
from assessments.models import AssessmentDecision
from loadgen.bulk import TableWriter
from loadgen.state import Build, tick
from rehab.catalogue import CATALOGUE
from rehab.models import StageChange
from running.models import ProgrammeDecision, RunLog, RunProgramme
from running.programmes import templates_for
from treatment.models import Retest, TreatmentGiven, TreatmentSession

DIAGNOSES = ("neural",) * 5 + ("lumbar",) * 3 + ("acute_strain", "mixed_neural_lumbar")
DECIDED = 0.9
DRAFT_WITHIN = dt.timedelta(days=3)  # a note may still be a draft for a visit this recent
DRAFTS = 0.3
STAGE_CHANGES_MAX = 3
RUNNING = 0.35
RUNS_MAX = 12
TREATMENTS = (
    ("neural_mobilisation", "slider", "", "slump_sitting"),
    ("neural_mobilisation", "tensioner", "", "supine"),
    ("lumbar_mobilisation", "pa_central", "L5", "prone"),
    ("lumbar_mobilisation", "rotation", "L4", "side_lying"),
    ("soft_tissue", "", "", "prone"),
    ("exercise_progression", "", "", ""),
    ("education", "", "", ""),
)
MODELS = [
    AssessmentDecision,
    TreatmentSession,
    Retest,
    TreatmentGiven,
    StageChange,
    RunProgramme,
    RunLog,
    ProgrammeDecision,
]


def course_build(run: Build) -> None:
    decided = _decisions(run)
    _sessions(run)
    _stage_changes(run, decided)
    _programmes(run, decided)


def _decisions(run: Build) -> dict[int, tuple[str, int, dt.datetime]]:
    """Confirmed diagnoses on the final intakes of open episodes: the engine's result on no
    findings (the load data's findings are random) overridden by the clinician, as a
    therapist does when the suggestion is indeterminate. Returns episode -> (dx, therapist,
    confirmed at)."""
    rng = run.rng
    result = diagnose({})
    writer = TableWriter(
        AssessmentDecision,
        [
            "id",
            "public_id",
            "assessment",
            "episode",
            "clinician_final_dx",
            "other_dx_text",
            "override_reason",
            "suggested_label",
            "suggested_dx",
            "red_flag_override_confirmed",
            "model_version",
            "score_snapshot",
            "findings",
            "confirmed_by",
            "confirmed_at",
        ],
    )
    snapshot = result.as_dict()
    suggested = default_final_dx(result)
    first = _first_episode(run)
    chosen = [item for item in run.intakes.items() if item[0] == first or rng.random() < DECIDED]
    decided = {}
    for (episode_id, (assessment_id, therapist_id, final_at)), pk in zip(
        chosen, writer.reserve_ids(len(chosen)), strict=True
    ):
        dx = rng.choice(DIAGNOSES)
        at = min(final_at + dt.timedelta(minutes=rng.randint(1, 30)), run.now)
        writer.add(
            (
                pk,
                uuid.uuid4(),
                assessment_id,
                episode_id,
                dx,
                "",
                "" if dx == suggested else "The findings at the visit point this way.",
                result.label,
                suggested,
                False,
                result.rules_version,
                snapshot,
                {},
                therapist_id,
                at,
            )
        )
        decided[episode_id] = (dx, therapist_id, at)
    writer.flush()
    run.counts["decisions"] = writer.written
    return decided


def _first_episode(run: Build) -> int | None:
    """The first patient's open episode: always diagnosed and on a programme, so that the
    pages of the first patient (tests/perf's world) show the whole course whatever the size
    of the data set."""
    return run.patients[0].episode_ids[-1] if run.patients else None


def _since_last_time(rng, first: dt.date, last: dt.date, previous: bool) -> dict:
    logs = rng.randint(0, max(0, (last - first).days))
    during = [rng.randint(0, 6) for _ in range(logs)]
    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "previous_visit": previous,
        "logs": logs,
        "pain_during_average": round(sum(during) / logs, 1) if logs else None,
        "pain_during_worst": max(during) if logs else None,
        "pain_after_average": round(sum(during) / logs, 1) if logs else None,
        "pain_after_worst": max(during) if logs else None,
        "exercises_done_percent": rng.randint(40, 100) if logs else None,
        "next_morning_answers": logs // 2,
        "worse_next_morning": 0,
        "lasting_pins_and_needles": 0,
        "urgent_symptoms": [],
        "comments": [],
    }


def _sessions(run: Build) -> None:
    """A session note for every attended visit of an open episode, oldest first per patient."""
    rng = run.rng
    sessions = TableWriter(
        TreatmentSession,
        [
            "id",
            "public_id",
            "created_at",
            "updated_at",
            "appointment",
            "episode",
            "therapist",
            "status",
            "version",
            "supersedes",
            "amendment_reason",
            "signed_at",
            "signed_by",
            "patient_words",
            "since_last_time",
            "retest_after_lumbar_treatment",
            "plan_changes",
            "review_on",
            "review_interval_weeks",
            "diagnosis_rerun",
        ],
    )
    retests = TableWriter(
        Retest,
        [
            "session",
            "phase",
            "slr_angle_affected_deg",
            "slr_angle_other_deg",
            "slump_knee_ext_deficit_deg",
            "knee_flexion_strength_pct",
            "h_test",
        ],
    )
    given = TableWriter(
        TreatmentGiven,
        [
            "session",
            "position_in_list",
            "kind",
            "technique",
            "level",
            "grade",
            "body_position",
            "repetitions",
            "note",
            "removed",
        ],
    )
    visits = sorted(run.attended, key=lambda visit: visit[4])
    previous: dict[int, dt.date] = {}
    for done, ((appointment_id, row, therapist_id, episode_id, start), pk) in enumerate(
        zip(visits, sessions.reserve_ids(len(visits)), strict=True), start=1
    ):
        zone = ZoneInfo(row.time_zone)
        day = start.astimezone(zone).date()
        first = previous.get(episode_id, row.open_since)
        previous[episode_id] = day
        ended = start + dt.timedelta(minutes=45)
        draft = run.now - start < DRAFT_WITHIN and rng.random() < DRAFTS
        sessions.add(
            (
                pk,
                uuid.uuid4(),
                start,
                ended,
                appointment_id,
                episode_id,
                therapist_id,
                TreatmentSession.Status.DRAFT if draft else TreatmentSession.Status.SIGNED,
                1,
                None,
                "",
                None if draft else ended,
                None if draft else therapist_id,
                rng.choice(("Better on the flat", "Sore after hills", "Much the same", "")),
                None if draft else _since_last_time(rng, first, day, first != row.open_since),
                rng.choice(("", "", "no_change", "neural_signs_improved")),
                rng.choice(("", "Add the slider twice a day", "Hold the plan as it is")),
                day + dt.timedelta(weeks=2),
                2,
                None,
            )
        )
        other = rng.randint(70, 85)
        before = rng.randint(40, other)
        for phase, gain in (("before", 0), ("after", rng.randint(0, 10))):
            retests.add(
                (
                    pk,
                    phase,
                    min(before + gain, other),
                    other,
                    rng.choice((None, rng.randint(0, 40))),
                    rng.choice((None, rng.randint(60, 110))),
                    rng.choice((None, "not_done", "negative")),
                )
            )
        for position, (kind, technique, level, posture) in enumerate(
            rng.sample(TREATMENTS, rng.randint(1, 3))
        ):
            manual = kind in ("neural_mobilisation", "lumbar_mobilisation")
            given.add(
                (
                    pk,
                    position,
                    kind,
                    technique,
                    level,
                    rng.randint(2, 4) if manual else None,
                    posture,
                    rng.choice((10, 15, 20)) if manual else None,
                    "",
                    False,
                )
            )
        tick(run, "treatment sessions", done, len(visits))
    for writer in (sessions, retests, given):
        writer.flush()
    run.counts["treatment_sessions"] = sessions.written


def _stage_changes(run: Build, decided: dict[int, tuple[str, int, dt.datetime]]) -> None:
    """Zero to three moves forward through the diagnosis's stages, after the diagnosis."""
    rng = run.rng
    writer = TableWriter(
        StageChange,
        [
            "public_id",
            "episode",
            "stage_list",
            "catalogue_version",
            "from_stage",
            "to_stage",
            "direction",
            "criteria",
            "criteria_met",
            "reason",
            "decided_by",
            "decided_at",
        ],
    )
    for episode_id, (dx, therapist_id, confirmed_at) in decided.items():
        stages = CATALOGUE.stage_list_for(dx)
        if stages is None:
            continue
        moves = rng.randint(0, min(STAGE_CHANGES_MAX, len(stages.stages) - 1))
        span = (run.now - confirmed_at) / (moves + 1)
        for k in range(moves):
            met = rng.random() < 0.8
            writer.add(
                (
                    uuid.uuid4(),
                    episode_id,
                    stages.name,
                    CATALOGUE.version,
                    stages.stages[k].code,
                    stages.stages[k + 1].code,
                    StageChange.Direction.FORWARD,
                    [],
                    met,
                    "" if met else "Ready in the clinic's view; the runs will tell.",
                    therapist_id,
                    confirmed_at + span * (k + 1),
                )
            )
    writer.flush()
    run.counts["stage_changes"] = writer.written


def _programmes(run: Build, decided: dict[int, tuple[str, int, dt.datetime]]) -> None:
    """An active programme on about a third of the diagnosed episodes, started after the
    diagnosis, with up to a dozen runs (one a day at most) and the rule's decision on each."""
    rng = run.rng
    programmes = TableWriter(
        RunProgramme,
        [
            "id",
            "public_id",
            "created_at",
            "updated_at",
            "episode",
            "patient",
            "template_key",
            "template_version",
            "name",
            "steps",
            "current_step",
            "stint",
            "status",
            "started_on",
            "ended_on",
            "end_reason",
            "assigned_by",
            "hold_reason",
            "held_at",
            "resume_reason",
            "resumed_at",
            "resumed_by",
        ],
    )
    runs = TableWriter(
        RunLog,
        [
            "id",
            "public_id",
            "created_at",
            "updated_at",
            "programme",
            "patient",
            "submission",
            "date",
            "minutes",
            "distance_km",
            "terrain",
            "effort",
            "rpe",
            "pain_before",
            "pain_during",
            "pain_after",
            "pain_next_morning",
            "next_morning_at",
            "comment",
            "step_number",
            "stint",
            "not_counted",
            "seen_at",
            "seen_by",
        ],
    )
    decisions = TableWriter(
        ProgrammeDecision,
        [
            "public_id",
            "programme",
            "kind",
            "from_step",
            "to_step",
            "rule",
            "explanation",
            "decided_by",
            "created_at",
        ],
    )
    patients = {row.episode_ids[-1]: row for row in run.patients}
    first = _first_episode(run)
    chosen = [
        (episode_id, facts)
        for episode_id, facts in decided.items()
        if episode_id == first
        or (rng.random() < RUNNING and run.now - facts[2] > dt.timedelta(days=2))
    ]
    run_ids = iter(runs.reserve_ids(len(chosen) * RUNS_MAX))
    for (episode_id, (dx, therapist_id, confirmed_at)), pk in zip(
        chosen, programmes.reserve_ids(len(chosen)), strict=True
    ):
        row = patients[episode_id]
        template = templates_for(dx)[0]
        today = run.now.astimezone(ZoneInfo(row.time_zone)).date()
        started = confirmed_at.astimezone(ZoneInfo(row.time_zone)).date() + dt.timedelta(days=1)
        span = max(0, (today - started).days)
        days = sorted(rng.sample(range(span), min(RUNS_MAX, span)))
        # Each good run moves a step on after the step's number of them; the runs of a step
        # are one stint of the programme (running.models.RunProgramme.stint).
        step, stint, good = 0, 1, 0
        for offset in days:
            day = started + dt.timedelta(days=offset)
            at = dt.datetime.combine(day, dt.time(18), tzinfo=ZoneInfo(row.time_zone))
            spec = template.steps[step]
            morning = rng.choice((0, 1, 1, 2))
            runs.add(
                (
                    next(run_ids),
                    uuid.uuid4(),
                    at,
                    at,
                    pk,
                    row.pk,
                    uuid.uuid4(),
                    day,
                    spec.total_minutes or 20,
                    None,
                    spec.terrain[0],
                    "easy",
                    None,
                    1,
                    rng.choice((0, 1, 2)),
                    rng.choice((0, 1, 2)),
                    morning if day < today else None,
                    at + dt.timedelta(hours=14) if day < today else None,
                    "",
                    step,
                    stint,
                    "",
                    None,
                    None,
                )
            )
            good += 1
            advance = good >= spec.runs_to_move_on and step + 1 < len(template.steps)
            decisions.add(
                (
                    uuid.uuid4(),
                    pk,
                    ProgrammeDecision.Kind.ADVANCE if advance else ProgrammeDecision.Kind.HOLD,
                    step,
                    step + 1 if advance else step,
                    "Load data: the rule as applied.",
                    "Well done: on to the next step." if advance else "Keep going at this step.",
                    None,
                    at + dt.timedelta(minutes=5),
                )
            )
            if advance:
                step, stint, good = step + 1, stint + 1, 0
        assigned = dt.datetime.combine(started, dt.time(10), tzinfo=dt.UTC)
        programmes.add(
            (
                pk,
                uuid.uuid4(),
                assigned,
                assigned,
                episode_id,
                row.pk,
                template.key,
                template.version,
                template.name,
                [spec.as_dict() for spec in template.steps],
                step,
                stint,
                RunProgramme.Status.ACTIVE,
                started,
                None,
                "",
                therapist_id,
                "",
                None,
                "",
                None,
                None,
            )
        )
    for writer in (programmes, runs, decisions):
        writer.flush()
    run.counts["run_programmes"] = programmes.written
    run.counts["runs"] = runs.written
