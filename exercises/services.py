"""Writes for the exercise library, plans and session logs (alerts and replies: inbox.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Min
from django.utils import timezone

from clinic import audit
from exercises.adherence import doses_due, week_doses
from exercises.dose import dose_text
from exercises.ladders import snapshot_keys
from exercises.models import (
    DOSE_FIELDS,
    Exercise,
    ExercisePlan,
    PlanItem,
    PlanVersion,
    PlanWeek,
    SessionLog,
    SymptomReport,
)
from exercises.reminders import URGENT_SYMPTOM_SOURCE, plan_reminders_follow
from exercises.safety import CODES as SYMPTOM_CODES
from exercises.schedule import days_problem, schedule_of
from exercises.selectors import patient_today
from exercises.versions import (
    CHANGED,
    NEW,
    OUTDATED,
    OUTDATED_CHANGE,
    SAME,
    publish_state,
    version_changes,
)
from notifications.schedules import reminder_schedule_ensure

# --- Library --------------------------------------------------------------------------


def exercise_archive(*, exercise: Exercise) -> Exercise:
    """Archived exercises stay on existing plans but are no longer offered for new ones."""
    if exercise.archived_at is None:
        exercise.archived_at = timezone.now()
        exercise.save(update_fields=["archived_at", "updated_at"])
    return exercise


def exercise_restore(*, exercise: Exercise) -> Exercise:
    if exercise.archived_at is not None:
        exercise.archived_at = None
        exercise.save(update_fields=["archived_at", "updated_at"])
    return exercise


# --- Plans ----------------------------------------------------------------------------


def plan_snapshot(*, plan: ExercisePlan, items: list[PlanItem] | None = None) -> list[dict]:
    """The plan's working copy as the patient would receive it (what a version freezes).

    Pass `items` (with their exercises) when the caller already has them.
    """
    if items is None:
        items = plan.items.select_related("exercise").order_by("position", "id")
    snapshot = []
    for item in items:
        exercise = item.exercise
        dose = item.dose()
        snapshot.append(
            {
                "key": exercise.code,
                "exercise": str(exercise.public_id),
                "name": exercise.name,
                "dose": dose,
                # the structured line only: the note is its own key, shown beside it
                "dose_text": dose_text(dose, each_side=exercise.each_side),
                "dose_note": exercise.dose_note,
                "instructions": list(exercise.instructions),
                "stop_rules": list(exercise.stop_rules),
                "note": item.note,
                "each_side": exercise.each_side,
                **snapshot_keys(exercise=exercise.code, key=item.progression_step),
                "schedule": schedule_of(
                    weekdays=item.weekdays,
                    every_n_days=item.every_n_days,
                    days_per_week=dose["days_per_week"],
                    min_rest_days=exercise.min_rest_days,
                ),
            }
        )
    return snapshot


def sessions_per_week_for(snapshot: list[dict]) -> int:
    """One session a day at most; the busiest exercise's days per week sets the target."""
    days = [item["dose"]["days_per_week"] for item in snapshot if item["dose"]["days_per_week"]]
    return max(1, min(7, max(days))) if days else 7


def plan_create(
    *, episode, user, exercises: list[Exercise] = (), reasons: list[str] = ()
) -> ExercisePlan:
    """A new draft plan on the episode, with the given exercises in order at their defaults
    (and, for a suggestion, the reason each was chosen, in the same order)."""
    if not episode.is_open:
        raise ValidationError("This episode is discharged: reopen care with a new episode.")
    reasons = list(reasons) + [""] * (len(exercises) - len(reasons))
    with transaction.atomic():
        plan = ExercisePlan.objects.create(
            episode=episode, patient_id=episode.patient_id, created_by=user
        )
        PlanItem.objects.bulk_create(
            PlanItem(plan=plan, exercise=exercise, position=index, reason=reason[:300])
            for index, (exercise, reason) in enumerate(zip(exercises, reasons, strict=False))
        )
    return plan


def _require_editable(plan: ExercisePlan) -> None:
    if not plan.is_editable:
        raise ValidationError("A completed plan can no longer be changed.")


def plan_item_add(*, plan: ExercisePlan, exercise: Exercise) -> PlanItem:
    _require_editable(plan)
    if exercise.is_archived:
        raise ValidationError("That exercise is archived.")
    if plan.items.filter(exercise=exercise).exists():
        # One entry per exercise: the patient's log ticks exercises off by their code.
        raise ValidationError(f"{exercise.name} is already in this plan.")
    last = plan.items.aggregate(last=Max("position"))["last"]
    return PlanItem.objects.create(
        plan=plan, exercise=exercise, position=0 if last is None else last + 1
    )


@transaction.atomic
def plan_doses_update(*, plan: ExercisePlan, doses: Mapping[PlanItem, Mapping]) -> list[PlanItem]:
    """Set the dose and note of several items of one plan together: all are saved or none.

    `doses` maps items of `plan` to their values: each of DOSE_FIELDS (missing or None means
    the library default), `reps_per_set`, `note`, `weekdays` and `every_n_days` (days that do
    not fit refuse the lot, naming the field). Each item whose values change is saved on its
    own, so the change is audited like any other edit of the plan; unchanged items are not
    written, and items no longer in the plan are skipped. Returns the changed items (fresh
    copies) in plan order. The patient sees the new doses once the plan is published.
    """
    _require_editable(plan)
    wanted = {item.pk: values for item, values in doses.items()}
    changed = []
    items = plan.items.select_related("exercise").select_for_update(of=("self",))
    for item in items.filter(pk__in=wanted):
        values = {name: wanted[item.pk].get(name) for name in DOSE_FIELDS}
        values["reps_per_set"] = list(wanted[item.pk].get("reps_per_set") or ())
        values["note"] = wanted[item.pk].get("note") or ""
        values["weekdays"] = sorted(set(wanted[item.pk].get("weekdays") or ()))
        values["every_n_days"] = wanted[item.pk].get("every_n_days")
        problem = days_problem(
            min_rest_days=item.exercise.min_rest_days,
            weekdays=values["weekdays"],
            every_n_days=values["every_n_days"],
            days_per_week=values["days_per_week"],
            library_days_per_week=item.exercise.days_per_week,
        )
        if problem:
            raise ValidationError({problem[0]: f"{item.exercise.name}: {problem[1]}"})
        if all(getattr(item, name) == value for name, value in values.items()):
            continue
        for name, value in values.items():
            setattr(item, name, value)
        # field checks only: the form has checked the rest, and the database holds the
        # days-per-week limit
        item.clean_fields(exclude=["plan", "exercise", "position"])
        item.save(update_fields=list(values))
        changed.append(item)
    return changed


def plan_item_remove(*, item: PlanItem) -> None:
    # Items are the editable working copy; published versions keep their own frozen copy.
    _require_editable(item.plan)
    item.delete()


@transaction.atomic
def plan_item_move(*, item: PlanItem, offset: int) -> None:
    """Move an item up (-1) or down (+1), renumbering the plan's items 0..n-1."""
    _require_editable(item.plan)
    items = list(item.plan.items.select_for_update().order_by("position", "id"))
    index = next(i for i, other in enumerate(items) if other.pk == item.pk)
    target = max(0, min(len(items) - 1, index + offset))
    items.insert(target, items.pop(index))
    for position, other in enumerate(items):
        other.position = position
    PlanItem.objects.bulk_update(items, ["position"])


def plan_publish_state(*, plan: ExercisePlan, snapshot: list[dict] | None = None) -> str:
    """exercises.versions.publish_state of the working copy against the current version."""
    snapshot = plan_snapshot(plan=plan) if snapshot is None else snapshot
    current = plan.current_version
    return publish_state(snapshot, current.items if current else None)


def plan_has_unpublished_changes(*, plan: ExercisePlan, snapshot: list[dict] | None = None) -> bool:
    """The therapist changed the plan since publishing (or never published it)."""
    return plan_publish_state(plan=plan, snapshot=snapshot) in (NEW, CHANGED)


@transaction.atomic
def plan_publish(*, plan: ExercisePlan, user, change: str = "") -> PlanVersion:
    """Make the working copy what the patient sees.

    An unchanged plan keeps its current version; a changed one gets a new numbered version and
    the earlier versions stay untouched, so older session logs still show what was prescribed.
    The new version records what it changed (`change`, else worked out from the last version).
    Publishing activates the plan (and starts it today if it has no start date).
    """
    plan = ExercisePlan.objects.select_for_update().get(pk=plan.pk)
    _require_editable(plan)
    if plan.is_held and plan.status == ExercisePlan.Status.DRAFT:
        raise ValidationError(HELD_DRAFT)
    snapshot = plan_snapshot(plan=plan)
    if not snapshot:
        raise ValidationError("Add at least one exercise before publishing.")
    state = plan_publish_state(plan=plan, snapshot=snapshot)
    if state != SAME:
        last = plan.versions.aggregate(last=Max("number"))["last"] or 0
        version = PlanVersion.objects.create(
            plan=plan,
            number=last + 1,
            items=snapshot,
            sessions_per_week=sessions_per_week_for(snapshot),
            published_at=timezone.now(),
            published_by=user,
            change_summary=(
                change
                or (OUTDATED_CHANGE if state == OUTDATED else "")
                or version_changes(
                    plan.current_version.items if plan.current_version else None, snapshot
                )
            )[:500],
        )
        plan.current_version = version
    # A plan on hold for a red flag gets the new version but stays paused until resumed, and
    # no other plan of the patient starts while one is on hold.
    if (
        plan.status != ExercisePlan.Status.ACTIVE
        and not plan.is_held
        and _patient_has_a_held_plan(plan)
    ):
        raise ValidationError(ANOTHER_PLAN_HELD)
    if plan.status == ExercisePlan.Status.DRAFT or (
        plan.status == ExercisePlan.Status.PAUSED and not plan.is_held
    ):
        _activate(plan)
    if plan.start_date is None:
        plan.start_date = patient_today(plan.patient)
    plan.save()
    plan_reminders_follow(plan=plan)
    return plan.current_version


HELD_DRAFT = (
    "This draft is on hold for a red flag referral, so it cannot be published yet. A clinician "
    "must clear the hold with a reason first."
)
ANOTHER_PLAN_HELD = (
    "Another plan of this patient is on hold for a red flag referral: resume it with a reason "
    "first."
)


def _patient_has_a_held_plan(plan: ExercisePlan) -> bool:
    return (
        ExercisePlan.objects.filter(
            patient_id=plan.patient_id,
            status__in=[ExercisePlan.Status.PAUSED, ExercisePlan.Status.DRAFT],
        )
        .exclude(hold_reason="")
        .exclude(pk=plan.pk)
        .exists()
    )


def _activate(plan: ExercisePlan) -> None:
    """At most one active plan per episode: activating this one pauses any other."""
    ExercisePlan.objects.filter(
        episode_id=plan.episode_id, status=ExercisePlan.Status.ACTIVE
    ).exclude(pk=plan.pk).update(status=ExercisePlan.Status.PAUSED, updated_at=timezone.now())
    plan.status = ExercisePlan.Status.ACTIVE


STATUS_CHANGES = {
    "pause": ({ExercisePlan.Status.ACTIVE}, ExercisePlan.Status.PAUSED),
    "resume": ({ExercisePlan.Status.PAUSED}, ExercisePlan.Status.ACTIVE),
    "complete": (
        {ExercisePlan.Status.ACTIVE, ExercisePlan.Status.PAUSED},
        ExercisePlan.Status.COMPLETED,
    ),
}


@transaction.atomic
def plan_change_status(*, plan: ExercisePlan, action: str) -> ExercisePlan:
    allowed, target = STATUS_CHANGES[action]
    plan = ExercisePlan.objects.select_for_update().select_related("patient").get(pk=plan.pk)
    if plan.status not in allowed:
        raise ValidationError(f"A {plan.get_status_display().lower()} plan cannot do that.")
    if target == ExercisePlan.Status.ACTIVE and plan.is_held:
        raise ValidationError(
            "This plan is on hold for a red flag referral: resume it with a reason."
        )
    if target == ExercisePlan.Status.ACTIVE and _patient_has_a_held_plan(plan):
        raise ValidationError(ANOTHER_PLAN_HELD)
    if target == ExercisePlan.Status.ACTIVE:
        _activate(plan)
    else:
        plan.status = target
    if target == ExercisePlan.Status.COMPLETED and plan.end_date is None:
        plan.end_date = max(patient_today(plan.patient), plan.start_date)
    plan.save()
    plan_reminders_follow(plan=plan)
    return plan


def plans_complete_for_discharge(*, episode) -> list[ExercisePlan]:
    """Discharging an episode completes its active and paused plans (held ones included): no
    plan stays "active" and no reminder goes out for an episode that has ended."""
    plans = list(
        ExercisePlan.objects.filter(
            episode_id=episode.pk,
            status__in=[ExercisePlan.Status.ACTIVE, ExercisePlan.Status.PAUSED],
        )
    )
    return [plan_change_status(plan=plan, action="complete") for plan in plans]


def _person(user) -> str:
    return (user.get_full_name() or "").strip() or user.email


@transaction.atomic
def plans_hold_for_red_flag(*, patient, by) -> list[ExercisePlan]:
    """A confirmed red-flag referral holds every plan of the patient that is not completed, at
    once, with the reason (SPEC 3.9b, 26): active and paused plans pause, and reminders skip a
    paused plan when they fall due; drafts stay drafts that cannot be published. Either way
    the hold lasts until a clinician lifts it with a reason (`plan_resume_after_hold`)."""
    reason = (
        f"Red flag referral confirmed on {patient_today(patient):%-d %B %Y} by {_person(by)}"
    )[:255]
    plans = list(
        ExercisePlan.objects.select_for_update()
        .filter(
            patient=patient,
            status__in=ExercisePlan.HOLDABLE,
        )
        .order_by("pk")
    )
    for plan in plans:
        if plan.status == ExercisePlan.Status.ACTIVE:
            plan.status = ExercisePlan.Status.PAUSED
        plan.hold_reason = reason
        plan.save(update_fields=["status", "hold_reason", "updated_at"])
        plan_reminders_follow(plan=plan)
        audit.record(
            "update",
            obj=plan,
            patient=patient,
            detail={"event": "plan_held_for_red_flag", "reason": reason},
            user=by,
        )
    return plans


@transaction.atomic
def plan_resume_after_hold(*, plan: ExercisePlan, user, reason: str) -> ExercisePlan:
    """Lift a red-flag hold: the clinician's reason, who and when are kept and audited. A held
    plan becomes active again; a held draft stays a draft, ready to publish."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why the exercises can start again."})
    plan = ExercisePlan.objects.select_for_update().select_related("patient").get(pk=plan.pk)
    if not plan.is_held:
        raise ValidationError("This plan is not on hold for a red flag referral.")
    held_for = plan.hold_reason
    if plan.status == ExercisePlan.Status.PAUSED:
        _activate(plan)
    plan.hold_reason = ""
    plan.resume_reason = reason
    plan.resumed_by = user
    plan.resumed_at = timezone.now()
    plan.save()
    plan_reminders_follow(plan=plan)
    audit.record(
        "update",
        obj=plan,
        patient=plan.patient,
        detail={"event": "plan_resumed_after_red_flag", "reason": reason, "held_for": held_for},
        user=user,
    )
    return plan


@transaction.atomic
def plan_set_dates(
    *, plan: ExercisePlan, start_date: dt.date | None, end_date: dt.date | None
) -> ExercisePlan:
    """Change a plan's dates; weekly totals are recounted because weeks run from the start."""
    _require_editable(plan)
    errors = {}
    if start_date is None and (end_date or plan.status != ExercisePlan.Status.DRAFT):
        errors["start_date"] = "A published plan, or one with an end date, needs a start date."
    elif end_date and end_date < start_date:
        errors["end_date"] = "The end date must be on or after the start date."
    logged = plan.session_logs.aggregate(first=Min("date"), last=Max("date"))
    if start_date and logged["first"] and logged["first"] < start_date:
        errors.setdefault(
            "start_date", f"A session is already logged on {logged['first']:%d %B %Y}."
        )
    if end_date and logged["last"] and logged["last"] > end_date:
        errors.setdefault("end_date", f"A session is already logged on {logged['last']:%d %B %Y}.")
    if errors:
        raise ValidationError(errors)
    plan.start_date, plan.end_date = start_date, end_date
    plan.save(update_fields=["start_date", "end_date", "updated_at"])
    plan_reminders_follow(plan=plan)
    plan.weeks.all().delete()
    days = plan.session_logs.values_list("date", flat=True)
    for week_start in sorted({plan.week_start_for(day) for day in days}):
        plan_week_refresh(plan=plan, week_start=week_start)
    return plan


# --- Session logs ---------------------------------------------------------------------


@transaction.atomic
def session_log_save(
    *,
    patient,
    plan: ExercisePlan,
    date: dt.date,
    done: list[str],
    pain_during: int,
    pain_after: int,
    difficulty: str,
    comment: str = "",
    worse_next_morning: bool | None = None,
    lasting_pins_needles: bool = False,
    new_symptoms: list[str] = (),
) -> tuple[SessionLog, bool]:
    """Record the day's session; logging the same day again updates that day's log.

    The log points at the plan version in force now. Returns (log, created). An urgent symptom
    or lasting pins and needles not already reported on this log raises a `SymptomReport`
    (see `symptom_reports_raise`); the plan itself is left as it is: the therapist decides.
    """
    if plan.patient_id != patient.pk:
        raise ValidationError("This plan belongs to someone else.")
    if plan.status != ExercisePlan.Status.ACTIVE or plan.current_version_id is None:
        raise ValidationError("This plan is not active.")
    today = patient_today(patient)
    errors = {}
    if date > today:
        errors["date"] = "You cannot log a session for a day that has not happened yet."
    elif date < plan.start_date:
        errors["date"] = f"Your plan started on {plan.start_date:%d %B %Y}."
    elif plan.end_date and date > plan.end_date:
        errors["date"] = f"Your plan ended on {plan.end_date:%d %B %Y}."
    for name, value in (("pain_during", pain_during), ("pain_after", pain_after)):
        if value is None or not 0 <= value <= 10:
            errors[name] = "Choose a number from 0 (no pain) to 10 (worst pain imaginable)."
    if difficulty not in SessionLog.Difficulty.values:
        errors["difficulty"] = "Choose how hard the session felt."
    if any(code not in SYMPTOM_CODES for code in new_symptoms):
        errors["new_symptoms"] = "Choose only from the symptoms listed."
    if errors:
        raise ValidationError(errors)
    version = plan.current_version
    keys = [item["key"] for item in version.items]
    done = [key for key in keys if key in set(done)]
    values = {
        "version": version,
        "done": done,
        "done_count": len(done),
        "item_count": len(keys),
        "pain_during": pain_during,
        "pain_after": pain_after,
        "difficulty": difficulty,
        "comment": comment,
        "worse_next_morning": worse_next_morning,
        "lasting_pins_needles": lasting_pins_needles,
        "new_symptoms": [code for code in SYMPTOM_CODES if code in set(new_symptoms)],
    }
    log = (
        SessionLog.objects.select_for_update().filter(patient=patient, plan=plan, date=date).first()
    )
    created = log is None
    before = ([], False) if created else (list(log.new_symptoms), log.lasting_pins_needles)
    if created:
        try:
            with transaction.atomic():
                log = SessionLog.objects.create(patient=patient, plan=plan, date=date, **values)
        except IntegrityError:
            # A second tab saved the same day first: update that log instead.
            log = SessionLog.objects.select_for_update().get(patient=patient, plan=plan, date=date)
            created = False
    if not created:
        before = (list(log.new_symptoms), log.lasting_pins_needles)
        for name, value in values.items():
            setattr(log, name, value)
        log.save()
    symptom_reports_raise(log=log, reported_symptoms=before[0], reported_pins_needles=before[1])
    plan_week_refresh(plan=plan, week_start=plan.week_start_for(date))
    last = plan.session_logs.aggregate(last=Max("date"))["last"]
    ExercisePlan.objects.filter(pk=plan.pk).update(last_logged_on=last)
    plan.last_logged_on = last
    return log, created


def symptom_reports_raise(
    *, log: SessionLog, reported_symptoms: list[str], reported_pins_needles: bool
) -> list[SymptomReport]:
    """Tell the therapist about what this log newly reports (compared with what it said before).

    An urgent symptom: a report (the dashboard alert, at once) and an email to the therapist
    through the reminder pipeline (sent when the mail server answers, never twice), with no
    clinical detail and no patient name. Lasting pins and needles: a report (an alert) only.
    Both are audited as the report is created.
    """
    reports = []
    if any(code not in reported_symptoms for code in log.new_symptoms):
        report = SymptomReport.objects.create(
            patient_id=log.patient_id,
            plan_id=log.plan_id,
            log=log,
            kind=SymptomReport.Kind.URGENT_SYMPTOM,
            symptoms=list(log.new_symptoms),
        )
        reminder_schedule_ensure(
            source=URGENT_SYMPTOM_SOURCE,
            subject_id=report.pk,
            patient=log.patient,
            once_at=report.created_at,
        )
        reports.append(report)
    if log.lasting_pins_needles and not reported_pins_needles:
        reports.append(
            SymptomReport.objects.create(
                patient_id=log.patient_id,
                plan_id=log.plan_id,
                log=log,
                kind=SymptomReport.Kind.PINS_NEEDLES,
            )
        )
    return reports


def plan_week_refresh(*, plan: ExercisePlan, week_start: dt.date) -> PlanWeek:
    """Recount one plan week from its logs (at most seven rows). The exercises due are those of
    the version the week's latest log was made with (the plan's current one without logs)."""
    logs = list(
        plan.session_logs.filter(date__gte=week_start, date__lt=week_start + dt.timedelta(days=7))
        .select_related("version")
        .order_by("date")
    )
    version = logs[-1].version if logs else plan.current_version
    prescribed = version.sessions_per_week if version else 7
    days = {"plan_start": plan.start_date, "week_start": week_start, "end_date": plan.end_date}
    items = version.items if version else []
    due_map = doses_due(items=items, sessions_per_week=prescribed, **days)
    if due_map and all(not isinstance(when, int) for when in due_map.values()):
        # every item has its days: a session is prescribed on each day something is due
        prescribed = len(set().union(*due_map.values()))
    done, due = week_doses(due=due_map, done_on={log.date: set(log.done) for log in logs})
    values = {
        "doses_done": done,
        "doses_due": due,
        "sessions_logged": sum(1 for log in logs if log.done_count),
        "sessions_prescribed": prescribed,
        "pain_count": len(logs),
        "pain_during_sum": sum(log.pain_during for log in logs),
        "pain_after_sum": sum(log.pain_after for log in logs),
        "pain_peak_sum": sum(max(log.pain_during, log.pain_after) for log in logs),
    }
    week, _ = PlanWeek.objects.update_or_create(plan=plan, week_start=week_start, defaults=values)
    return week
