"""Reads for return-to-run programmes. Every read is scoped: a patient reaches only their own
programme and runs (404 otherwise); staff pages go through the episode's access check."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from uuid import UUID

from django.db import router
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    F,
    Func,
    IntegerField,
    JSONField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    TextField,
    When,
)
from django.db.models.functions import JSONObject
from django.http import Http404

from clinic import audit
from clinic.access import MANAGER, roles_of
from clinic.json_rows import JSONRow, RowsArray, instances, rows_array
from clinic.models import beyond_name
from clinic.panels import NOT_READ, portal_read
from clinic.rows import prepared_list
from patients import page_rows
from patients.selectors import page_reads
from running.models import WORRYING, ProgrammeDecision, RunLog, RunProgramme

RECENT_RUNS = 5
#: The runs the patient's running page lists.
PORTAL_RUNS = 10
RECENT_DECISIONS = 5
DASHBOARD_LIMIT = 25


def programme_current_for_patient(*, patient) -> RunProgramme | None:
    """The programme the patient follows now: the newest active one, else the newest one
    they completed (so the portal can say so). None when there is neither. One query,
    compiled once per process (clinic/rows.py): the portal home asks."""
    found = prepared_list(
        "programme_current_for_patient", RunProgramme, _programme_current, patient_id=patient.pk
    )
    return found[0] if found else None


def _programme_current(*, patient_id: int):
    return RunProgramme.objects.filter(
        patient_id=patient_id,
        status__in=[RunProgramme.Status.ACTIVE, RunProgramme.Status.COMPLETED],
        episode__status="open",
    ).order_by("status", "-created_at")[:1]  # "active" sorts before "completed"


def programme_current_with_awaiting(*, patient, today: dt.date) -> RunProgramme | None:
    """`programme_current_for_patient`'s programme for the portal home's card, with the newest of
    the runs waiting for a morning answer in the same query: `awaiting` is that run (only its
    public id and date are read) or None. Only what the card draws is read: the status and hold,
    the step's number, and of the steps only the current one (`step_now`, the step's stored
    dict, None past the last) and how many there are (`step_count`); the other fields, the
    whole list of steps among them, are deferred. One query, compiled once per process
    (clinic/rows.py)."""
    found = portal_read(patient, "running.programme")
    if found is NOT_READ:
        found = prepared_list(
            "programme_current_with_awaiting",
            RunProgramme,
            _programme_current_with_awaiting,
            patient_id=patient.pk,
            today=today,
            week_before=today - dt.timedelta(days=7),
        )
    else:
        found = instances(RunProgramme, router.db_for_read(RunProgramme), found, **_CARD_ROWS)
    if not found:
        return None
    programme = found[0]
    run = programme.awaiting_run
    programme.awaiting = (
        RunLog(public_id=UUID(run["public_id"]), date=dt.date.fromisoformat(run["date"]))
        if run is not None
        else None
    )
    return programme


def _programme_current_with_awaiting(*, patient_id: int, today: dt.date, week_before: dt.date):
    # The runs are the programme's patient's: `patient_id` may itself be an outer reference
    # (the portal home's statement), which would mean the programme inside this subquery.
    awaiting = _runs_awaiting_morning(
        patient_id=OuterRef("patient_id"), today=today, week_before=week_before
    ).order_by("-date", "-id")
    # Its public id and date in one subquery (two asked the server to find the run twice).
    return (
        _programme_current(patient_id=patient_id)
        .only(*_CARD_FIELDS)
        .annotate(
            awaiting_run=Subquery(
                awaiting.values(run=JSONRow(public_id="public_id", date="date"))[:1],
                output_field=JSONField(),
            ),
            step_now=_StepAt(F("steps"), F("current_step")),
            step_count=_Length(F("steps")),
        )
    )


class _StepAt(Func):
    """`steps -> current_step`: one element of a JSON list (NULL past its end)."""

    template = "(%(expressions)s)"
    arg_joiner = " -> "
    output_field = JSONField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(
            compiler,
            connection,
            template="json_extract(%(expressions)s || ']')",
            arg_joiner=", '$[' || ",
            **extra_context,
        )


class _Length(Func):
    """How many elements a JSON list has."""

    function = "jsonb_array_length"
    output_field = IntegerField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="json_array_length", **extra_context)


#: What the portal home's running card draws of the programme (`running.panels`), in the
#: model's order as `Model.from_db` takes them; the steps come as `step_now` and `step_count`.
_CARD_FIELDS = [
    field.attname
    for field in RunProgramme._meta.concrete_fields
    if field.name in {"id", "current_step", "status", "hold_reason"}
]
_CARD_ROWS = {
    "fields": _CARD_FIELDS,
    "annotations": {
        "awaiting_run": JSONField(),
        "step_now": JSONField(),
        "step_count": IntegerField(),
    },
}
_PROGRAMME_ROWS = {"fields": [field.attname for field in RunProgramme._meta.concrete_fields]}


def portal_home_reads(*, today: dt.date, week_before: dt.date) -> dict:
    """For the portal home's one statement (portal.selectors.home_reads), correlated with the
    patient's row: `programme_current_with_awaiting`'s programme (`week_before` is a week
    before `today`)."""
    return {
        "running.programme": rows_array(
            _programme_current_with_awaiting(
                patient_id=OuterRef("pk"), today=today, week_before=week_before
            ),
            fields=_CARD_ROWS["fields"],
            annotations=_CARD_ROWS["annotations"],
        )
    }


def programme_current_for_page(*, patient, today: dt.date) -> RunProgramme | None:
    """`programme_current_for_patient`'s programme for the portal's running page, with what
    the page shows of its latest decision and of the runs waiting for a morning answer, in the
    same query: `decision` (its kind and explanation) or None, and `awaiting`:
    the runs waiting for a morning answer, with their public id and date. One query, compiled once
    per process (clinic/rows.py)."""
    found = portal_read(patient, "running.page_programme")
    if found is NOT_READ:
        found = prepared_list(
            "programme_current_for_page",
            RunProgramme,
            _programme_current_for_page,
            patient_id=patient.pk,
            today=today,
            week_before=today - dt.timedelta(days=7),
        )
    else:
        found = instances(RunProgramme, router.db_for_read(RunProgramme), found, **_PAGE_ROWS)
    if not found:
        return None
    programme = found[0]
    programme.decision = (
        ProgrammeDecision(
            programme=programme,
            kind=programme.decision_kind,
            explanation=programme.decision_explanation,
        )
        if programme.decision_kind is not None
        else None
    )
    programme.awaiting = [
        RunLog(public_id=UUID(run["public_id"]), date=dt.date.fromisoformat(run["date"]))
        for run in programme.awaiting_runs
    ]
    return programme


def _programme_current_for_page(*, patient_id: int, today: dt.date, week_before: dt.date):
    latest = ProgrammeDecision.objects.filter(programme=OuterRef("pk")).order_by(
        "-created_at", "-id"
    )
    # The programme's patient's runs (`patient_id` may be an outer reference: portal_page_reads).
    awaiting = _runs_awaiting_morning(
        patient_id=OuterRef("patient_id"), today=today, week_before=week_before
    )
    return _programme_current(patient_id=patient_id).annotate(
        decision_kind=Subquery(latest.values("kind")[:1]),
        decision_explanation=Subquery(latest.values("explanation")[:1]),
        awaiting_runs=RowsArray(
            awaiting.order_by("-date", "-id").values(
                run=JSONObject(public_id="public_id", date="date")
            )
        ),
    )


#: What the portal running page draws of each recent run (read with the page's statement as
#: `PortalRun`s: building each value back from JSON text costs Python time per field).
_RUN_COLUMNS = ["date", "minutes", "terrain", "not_counted"]
_RUN_COLUMNS += ["pain_during", "pain_after", "pain_next_morning"]
_PAGE_ROWS = {
    "fields": _PROGRAMME_ROWS["fields"],
    "annotations": {
        "decision_kind": CharField(),
        "decision_explanation": TextField(),
        "awaiting_runs": JSONField(),
        "recent_runs": JSONField(),
    },
}


def portal_page_reads(*, today: dt.date, week_before: dt.date) -> dict:
    """For the portal running page's one statement on the patient's row (portal.selectors),
    correlated with it: `programme_current_for_page`'s programme with its recent runs
    (`runs_recent_of_programme` then reads no statement of its own)."""
    recent = RunLog.objects.filter(
        patient_id=OuterRef("patient_id"), programme_id=OuterRef("pk")
    ).order_by("-date", "-id")
    page = _programme_current_for_page(
        patient_id=OuterRef("pk"), today=today, week_before=week_before
    ).annotate(recent_runs=rows_array(recent[:PORTAL_RUNS], fields=_RUN_COLUMNS))
    return {
        "running.page_programme": rows_array(
            page, fields=_PAGE_ROWS["fields"], annotations=_PAGE_ROWS["annotations"]
        )
    }


def programmes_of_episode(*, episode) -> list[RunProgramme]:
    """Every programme of the episode, newest first, each with its runs and decisions (the
    decisions with the runs behind them): four queries whatever their number."""
    return list(
        RunProgramme.objects.filter(episode=episode)
        .select_related("assigned_by", "resumed_by")
        .prefetch_related(
            "runs",
            Prefetch(
                "decisions",
                queryset=ProgrammeDecision.objects.select_related("decided_by").prefetch_related(
                    "runs"
                ),
            ),
        )
    )


def runs_of_patient(*, patient) -> QuerySet[RunLog]:
    return RunLog.objects.filter(patient=patient)


@dataclass(frozen=True, slots=True)
class PortalRun:
    """What the portal running page draws of a run, built from its statement's JSON as plain
    values (a model instance per run cost more than drawing it)."""

    date: dt.date
    minutes: int
    terrain: str
    pain_during: int
    pain_after: int
    pain_next_morning: int | None
    not_counted: str

    def get_terrain_display(self) -> str:
        """As the model's `get_terrain_display`."""
        return str(_TERRAIN_LABELS.get(self.terrain, self.terrain))


_TERRAIN_LABELS = dict(RunLog.Terrain.choices)


def runs_recent_of_programme(*, patient, programme: RunProgramme) -> list[RunLog | PortalRun]:
    """The patient's newest PORTAL_RUNS runs at `programme`, newest first (one query, compiled
    once per process: clinic/rows.py; none when the programme came with them:
    `portal_page_reads`, then as `PortalRun`s)."""
    if "recent_runs" in programme.__dict__:
        return [
            PortalRun(
                date=dt.date.fromisoformat(run["date"]),
                minutes=run["minutes"],
                terrain=run["terrain"],
                pain_during=run["pain_during"],
                pain_after=run["pain_after"],
                pain_next_morning=run["pain_next_morning"],
                not_counted=run["not_counted"],
            )
            for run in programme.recent_runs or ()
        ]
    return prepared_list(
        "runs_recent_of_programme",
        RunLog,
        _runs_recent_of,
        patient_id=patient.pk,
        programme_id=programme.pk,
    )


def _runs_recent_of(*, patient_id: int, programme_id: int):
    return RunLog.objects.filter(patient_id=patient_id, programme_id=programme_id)[:PORTAL_RUNS]


def run_for_patient(*, patient, public_id: UUID | str) -> RunLog:
    """One of the patient's own runs; 404 for anyone else's."""
    try:
        run = RunLog.objects.select_related("programme", "patient").get(
            patient=patient, public_id=public_id
        )
    except (RunLog.DoesNotExist, ValueError, TypeError):
        raise Http404("No such run") from None
    audit.note_patient(patient, run)
    return run


def run_for_staff(*, public_id: UUID | str) -> RunLog:
    """A run for a clinical user (the view checks the role); 404 when there is none."""
    try:
        run = RunLog.objects.select_related("patient").get(public_id=public_id)
    except (RunLog.DoesNotExist, ValueError, TypeError):
        raise Http404("No such run") from None
    audit.note_patient(run.patient, run)
    return run


def _runs_awaiting_morning(*, patient_id: int, today: dt.date, week_before: dt.date):
    """The patient's runs on an active programme whose next-morning answer is missing and
    whose morning has come, newest first (at most a week back: older ones are left)."""
    return RunLog.objects.filter(
        patient_id=patient_id,
        programme__status=RunProgramme.Status.ACTIVE,
        pain_next_morning__isnull=True,
        date__lt=today,
        date__gte=week_before,
    ).order_by("-date")


class _CheckedInHash(Func):
    """`(<condition>) IS TRUE`: the rows `condition` keeps (a condition that is unknown keeps
    none either way). Around `field IN (subquery)` it stops PostgreSQL from turning the
    subquery into a join: the subquery is read once into a hash that each row is checked
    against (a "hashed SubPlan"), and the rows can be walked in an index's order."""

    template = "(%(expressions)s) IS TRUE"
    output_field = BooleanField()


def runs_to_review(*, user) -> QuerySet[RunLog]:
    """Runs the therapist has not marked seen that had pain 5 or more, a worse next morning
    or a comment, on programmes they assigned (the manager: all), oldest first.

    The dashboard reads the first 26 of them: PostgreSQL walks every therapist's unseen
    worrying runs in date order (index `running_runlog_unseen_date`, which carries each run's
    programme) and keeps those whose programme is among the therapist's, read once
    (`running_programme_assigned`): about 550 runs walked for 26 kept on the bench's data of 20
    therapists, in the index alone. As a join, each run walked read its programme's row
    (2,165 buffers, 1.2 ms of the server's CPU a view; now 164 buffers, 0.2 ms)."""
    runs = RunLog.objects.filter(WORRYING, seen_at__isnull=True).select_related(
        "patient", "programme"
    )
    if MANAGER not in roles_of(user):
        runs = runs.filter(
            _CheckedInHash(
                Q(programme__in=RunProgramme.objects.filter(assigned_by=user).values("pk"))
            )
        )
    return runs.order_by("date", "id")


def patient_panel_data(*, patient) -> dict:
    """The patient's programmes (newest five) with the current one's recent runs and
    decisions: three queries, compiled once per process (clinic/rows.py); two when the
    rehab panel's measures have read the programmes already (`programmes_of_patient`)."""
    programmes = programmes_of_patient(patient=patient)[:5]
    current = next((p for p in programmes if p.status == RunProgramme.Status.ACTIVE), None)
    current = current or (programmes[0] if programmes else None)
    runs, decisions = [], []
    if current is not None:
        # On the patient page both came with its one read (patients/page_rows.py), for the
        # programme chosen by the same rule (`_current_of_patient`).
        runs = _of_current(page_rows.taken(patient, "running_recent_runs_of_patient"), current)
        if runs is None:
            runs = prepared_list(
                "running_recent_runs", RunLog, _recent_runs_of, programme_id=current.pk
            )
        decisions = _of_current(
            page_rows.taken(patient, "running_recent_decisions_of_patient"), current
        )
        if decisions is None:
            decisions = prepared_list(
                "running_recent_decisions",
                ProgrammeDecision,
                _recent_decisions_of,
                programme_id=current.pk,
            )
    return {"programmes": programmes, "current": current, "runs": runs, "decisions": decisions}


def programmes_of_patient(*, patient) -> list[RunProgramme]:
    """Every programme of the patient, newest first, with its episode and patient (the one
    given). One query, compiled once per process (clinic/rows.py); read once on the patient
    page, whose running panel and rehab panel's measures (running/measures.py) share it
    (`page_reads`)."""
    shared = page_reads(patient)
    found = None if shared is None else shared.get("running.programmes")
    if found is not None:
        return found
    found = page_rows.taken(patient, "running_programmes_of_patient")
    if found is None:
        found = prepared_list(
            "running_programmes_of_patient", RunProgramme, _programmes_of, patient_id=patient.pk
        )
    for programme in found:
        # Their patient is this one: not read again (with a phone number to parse) per row.
        RunProgramme.patient.field.set_cached_value(programme, patient)
    if shared is not None:
        shared["running.programmes"] = found
    return found


def _programmes_of(*, patient_id: int):
    return (
        RunProgramme.objects.filter(patient_id=patient_id)
        .select_related("episode")
        .order_by("-created_at", "-id")
    )


#: What neither the patient page's running panel nor the rehab panel's measures (name, state,
#: hold, dates, step) read of a programme: not sent in the page's statement.
PROGRAMME_NOT_DRAWN = ("public_id", "template_key", "template_version", "stint", "end_reason")
PROGRAMME_NOT_DRAWN += ("assigned_by", "held_at", "resume_reason", "resumed_at", "resumed_by")


def programmes_drawn_of(*, patient_id: int):
    """`_programmes_of` for the patient page's one read (patients/page_rows.py), without the
    columns its panels do not read (PROGRAMME_NOT_DRAWN). Elsewhere `programmes_of_patient`
    reads whole programmes, as before."""
    return _programmes_of(patient_id=patient_id).defer(*PROGRAMME_NOT_DRAWN)


def _of_current(rows: list | None, current: RunProgramme) -> list | None:
    """`rows` if they are the current programme's (or None to read them)."""
    if rows is None or any(row.programme_id != current.pk for row in rows):
        return None
    return rows


def _current_of_patient(patient_id: int):
    """The key of the programme `patient_panel_data` shows: of the newest five, the newest
    active one, else the newest."""
    newest = RunProgramme.objects.filter(patient_id=patient_id).order_by("-created_at", "-id")
    active_first = Case(When(status=RunProgramme.Status.ACTIVE, then=0), default=1)
    return (
        RunProgramme.objects.filter(pk__in=newest.values("pk")[:5])
        .order_by(active_first, "-created_at", "-id")
        .values("pk")[:1]
    )


#: What the patient page's recent runs (`running_rows.run_items`) and decisions
#: (`decision_items`) do not draw: left out of its statement, neither built into its JSON nor
#: converted back. A deferred column read would cost a statement, which the count would show.
RUN_NOT_DRAWN = ("public_id", "created_at", "updated_at", "patient", "submission")
RUN_NOT_DRAWN += ("next_morning_at", "step_number", "stint", "seen_at", "seen_by")
DECISION_NOT_DRAWN = ("public_id", "explanation")


def recent_runs_of_patient(*, patient_id: int):
    """`_recent_runs_of` the patient's current programme, for the patient page's one read
    (without RUN_NOT_DRAWN)."""
    runs = RunLog.objects.filter(programme_id=Subquery(_current_of_patient(patient_id)))
    return runs.defer(*RUN_NOT_DRAWN)[:RECENT_RUNS]


def recent_decisions_of_patient(*, patient_id: int):
    """`_recent_decisions_of` the patient's current programme, for the patient page's read
    (without DECISION_NOT_DRAWN)."""
    return (
        ProgrammeDecision.objects.filter(programme_id=Subquery(_current_of_patient(patient_id)))
        .select_related("decided_by")
        # Drawn by name only.
        .defer(*DECISION_NOT_DRAWN, *beyond_name("decided_by"))[:RECENT_DECISIONS]
    )


def _recent_runs_of(*, programme_id: int):
    return RunLog.objects.filter(programme_id=programme_id)[:RECENT_RUNS]


def _recent_decisions_of(*, programme_id: int):
    return ProgrammeDecision.objects.filter(programme_id=programme_id).select_related("decided_by")[
        :RECENT_DECISIONS
    ]


def programme_for_staff(*, public_id: UUID | str) -> RunProgramme:
    """A programme for a clinical user (the view checks the role); 404 when there is none."""
    try:
        programme = RunProgramme.objects.select_related("episode", "patient").get(
            public_id=public_id
        )
    except (RunProgramme.DoesNotExist, ValueError, TypeError):
        raise Http404("No such programme") from None
    audit.note_patient(programme.patient, programme)
    return programme


def programmes_brief(*, patient) -> list[RunProgramme]:
    """The patient's programmes for reception: name, status and dates only (one query,
    compiled once per process)."""
    found = page_rows.taken(patient, "running_programmes_brief")
    if found is not None:
        return found
    return prepared_list(
        "running_programmes_brief", RunProgramme, _programmes_brief_of, patient_id=patient.pk
    )


def _programmes_brief_of(*, patient_id: int):
    return RunProgramme.objects.filter(patient_id=patient_id).only(
        "name", "status", "started_on", "ended_on", "patient_id"
    )


def programmes_on_hold_for_patient(*, patient) -> list[RunProgramme]:
    """The patient's programmes on hold for a red-flag referral, with their episodes (one
    query)."""
    return list(
        RunProgramme.objects.filter(patient=patient, status=RunProgramme.Status.ACTIVE)
        .exclude(hold_reason="")
        .select_related("episode")
    )


def programme_active_for_episode(*, episode) -> RunProgramme | None:
    """The episode's active programme, if any (what discharging it ends)."""
    return RunProgramme.objects.filter(
        episode_id=episode.pk, status=RunProgramme.Status.ACTIVE
    ).first()
