"""Writes for return-to-run programmes: assign, move a step by hand, hold for a red-flag
referral and resume, log runs, add the next-morning answer, mark worrying runs seen. Every run
write re-applies the programme's rule (running/rules.py) and records the decision."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from assessments.selectors import open_red_flag_referrals
from clinic import audit
from exercises.selectors import patient_today
from running import rules
from running.models import ProgrammeDecision, RunLog, RunProgramme
from running.programmes import programmes

EFFORT_FROM_RPE = {**dict.fromkeys(range(1, 5), "easy"), 5: "steady", 6: "steady"}
DISTANCE_MESSAGE = "Enter the distance in kilometres, from 0.1 to 100, or leave it empty."
PAIN_MESSAGE = "Choose a number from 0 (no pain) to 10 (worst pain imaginable)."

#: Why a run is not logged while the programme is on hold for a red-flag referral.
RED_FLAG_HOLD = (
    "Please do not run until you have been checked: follow the advice at the top of this "
    "page. Your running programme is paused, and your physio will restart it once you are "
    "cleared."
)
SECOND_RUN = (
    "You already logged a run on {date:%A %d %B}. The programme counts one run a day: if you "
    "ran twice, tell your physio at your next visit."
)


def _person(user) -> str:
    return (user.get_full_name() or "").strip() or user.email


def _hold(programme: RunProgramme, *, reason: str, by) -> None:
    programme.hold_reason = reason[:255]
    programme.held_at = timezone.now()
    programme.save(update_fields=["hold_reason", "held_at", "updated_at"])
    audit.record(
        "update",
        obj=programme,
        patient=programme.patient,
        detail={"event": "run_programme_held_for_red_flag", "reason": programme.hold_reason},
        user=by,
    )


def effort_for(*, effort: str, rpe: int | None) -> str:
    """The effort band of a run: the one chosen, else read from the 1-10 rating."""
    if effort:
        return effort
    return EFFORT_FROM_RPE.get(rpe, "hard") if rpe else ""


@transaction.atomic
def programme_assign(*, episode, template_key: str, user) -> RunProgramme:
    """Start a programme from a template on an open episode. An active programme on the
    episode is ended (kept, never deleted) and the new one starts at its first step today."""
    template = programmes().get(template_key)
    if template is None:
        raise ValidationError({"template": "Choose one of the programmes listed."})
    if not episode.is_open:
        raise ValidationError({"template": "This episode is closed: open a new one first."})
    today = patient_today(episode.patient)
    for old in RunProgramme.objects.select_for_update().filter(
        episode=episode, status=RunProgramme.Status.ACTIVE
    ):
        old.status = RunProgramme.Status.ENDED
        old.ended_on = today
        old.end_reason = f"Replaced by {template.name}"
        old.save(update_fields=["status", "ended_on", "end_reason", "updated_at"])
    programme = RunProgramme.objects.create(
        episode=episode,
        patient=episode.patient,
        template_key=template.key,
        template_version=template.version,
        name=template.name,
        steps=[step.as_dict() for step in template.steps],
        started_on=today,
        assigned_by=user,
    )
    if open_red_flag_referrals().filter(episode__patient_id=episode.patient_id).exists():
        # Assigned while a referral is open: it waits on hold like one that was running.
        _hold(
            programme,
            reason=f"Assigned on {today:%-d %B %Y} while a red flag referral is open",
            by=user,
        )
    return programme


@transaction.atomic
def programmes_hold_for_red_flag(*, patient, by) -> list[RunProgramme]:
    """A confirmed red-flag referral holds the patient's active programmes at once, with the
    reason (SPEC 3.9b, amendment 26, as exercises.services.plans_hold_for_red_flag does for
    the plans): no run is logged and the step stays where it is until a clinician resumes
    the programme with a reason (`programme_resume_after_hold`). Already held ones are left
    as they are. Audited."""
    reason = f"Red flag referral confirmed on {patient_today(patient):%-d %B %Y} by {_person(by)}"
    programmes = list(
        RunProgramme.objects.select_for_update()
        .filter(patient=patient, status=RunProgramme.Status.ACTIVE, hold_reason="")
        .order_by("pk")
    )
    for programme in programmes:
        _hold(programme, reason=reason, by=by)
    return programmes


@transaction.atomic
def programme_resume_after_hold(*, programme: RunProgramme, user, reason: str) -> RunProgramme:
    """Lift a red-flag hold: the clinician's reason, who and when are kept and audited, and
    the patient can log runs again at the step they were on. Raises ValidationError keyed
    `reason` for an empty reason or a programme that is not on hold."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "Say why running can start again: the record keeps it."})
    programme = RunProgramme.objects.select_for_update().get(pk=programme.pk)
    if not programme.is_held:
        raise ValidationError({"reason": "This programme is not on hold."})
    held_for = programme.hold_reason
    programme.hold_reason = ""
    programme.resume_reason = reason
    programme.resumed_by = user
    programme.resumed_at = timezone.now()
    programme.save(
        update_fields=["hold_reason", "resume_reason", "resumed_by", "resumed_at", "updated_at"]
    )
    audit.record(
        "update",
        obj=programme,
        patient=programme.patient,
        detail={
            "event": "run_programme_resumed_after_red_flag",
            "reason": reason,
            "held_for": held_for,
        },
        user=user,
    )
    return programme


@transaction.atomic
def programme_end_for_discharge(*, episode) -> RunProgramme | None:
    """Discharging an episode ends its active programme (kept, never deleted)."""
    programme = RunProgramme.objects.filter(
        episode=episode, status=RunProgramme.Status.ACTIVE
    ).first()
    if programme is None:
        return None
    programme.status = RunProgramme.Status.ENDED
    programme.ended_on = patient_today(programme.patient)
    programme.end_reason = "The episode was discharged."
    programme.save(update_fields=["status", "ended_on", "end_reason", "updated_at"])
    return programme


def programme_move_step(*, programme: RunProgramme, step: int, reason: str, user):
    """The therapist moves an active programme to `step` (0 first); the reason is recorded
    and the rule counts runs afresh from there."""
    programme = RunProgramme.objects.select_for_update().get(pk=programme.pk)
    errors = {}
    if programme.status != RunProgramme.Status.ACTIVE:
        errors["step"] = "This programme has ended: assign a new one instead."
    elif not 0 <= step < len(programme.steps):
        errors["step"] = "Choose one of the programme's steps."
    elif step == programme.current_step:
        errors["step"] = "The programme is already at this step."
    if not reason.strip():
        errors["reason"] = "Say why you are moving the step: the patient's record keeps it."
    if errors:
        raise ValidationError(errors)
    target = programme.step_at(step)
    decision = ProgrammeDecision.objects.create(
        programme=programme,
        kind=ProgrammeDecision.Kind.MANUAL,
        from_step=programme.current_step,
        to_step=step,
        rule=f"Moved by hand: {reason.strip()}",
        explanation=f"Your physio moved you to {target.name}: {target.what_to_do()}",
        decided_by=user,
    )
    programme.current_step = step
    programme.stint += 1
    programme.save(update_fields=["current_step", "stint", "updated_at"])
    return decision


def _validate_run(
    *, programme, today, date, minutes, distance_km, terrain, effort, rpe, pains
) -> dict:
    errors = {}
    if date is None:
        errors["date"] = "Enter the day of your run."
    elif date > today:
        errors["date"] = "You cannot log a run on a day that has not happened yet."
    elif date < programme.started_on:
        errors["date"] = f"Your programme started on {programme.started_on:%d %B %Y}."
    if minutes is None or not 1 <= minutes <= 300:
        errors["minutes"] = "Enter the minutes you were out, from 1 to 300."
    if distance_km is not None and not Decimal("0") < distance_km <= Decimal("100"):
        errors["distance_km"] = DISTANCE_MESSAGE
    if terrain not in RunLog.Terrain.values:
        errors["terrain"] = "Choose the ground you ran on."
    if rpe is not None and not 1 <= rpe <= 10:
        errors["rpe"] = "Choose a number from 1 (very easy) to 10 (flat out), or leave it empty."
    elif effort_for(effort=effort, rpe=rpe) not in RunLog.Effort.values:
        errors["effort"] = "Choose how hard the run felt."
    for name, value in pains.items():
        if value is None or not 0 <= value <= 10:
            errors[name] = PAIN_MESSAGE
    return errors


def run_log_save(
    *,
    programme: RunProgramme,
    patient,
    submission,
    date: dt.date,
    minutes: int,
    terrain: str,
    pain_before: int,
    pain_during: int,
    pain_after: int,
    effort: str = "",
    rpe: int | None = None,
    distance_km: Decimal | None = None,
    comment: str = "",
) -> tuple[RunLog, bool]:
    """Log a run at the programme's current step and apply the rule. Returns (run, created).

    Submitting the same form twice (`submission`, the form's one-off key) returns the first
    run and changes nothing. One run a day: a second run on the same day is refused next to
    the date.
    """
    if programme.patient_id != patient.pk:
        raise ValidationError("This programme belongs to someone else.")
    existing = RunLog.objects.filter(submission=submission, patient=patient).first()
    if existing is not None:
        return existing, False
    with transaction.atomic():
        programme = RunProgramme.objects.select_for_update().get(pk=programme.pk)
        if programme.status != RunProgramme.Status.ACTIVE:
            raise ValidationError("This programme is no longer active.")
        if programme.is_held:
            # SPEC 3.9b amendment 26: a confirmed red flag stops running at once, as it stops
            # the plan (the notice at the top of the page says what to do).
            raise ValidationError({NON_FIELD_ERRORS: RED_FLAG_HOLD})
        pains = {"pain_before": pain_before, "pain_during": pain_during, "pain_after": pain_after}
        errors = _validate_run(
            programme=programme,
            today=patient_today(patient),
            date=date,
            minutes=minutes,
            distance_km=distance_km,
            terrain=terrain,
            effort=effort,
            rpe=rpe,
            pains=pains,
        )
        if not errors and RunLog.objects.filter(programme=programme, date=date).exists():
            # One run a day (see running_runlog_one_per_day for why).
            errors["date"] = SECOND_RUN.format(date=date)
        if errors:
            raise ValidationError(errors)
        band = effort_for(effort=effort, rpe=rpe)
        try:
            with transaction.atomic():
                run = RunLog.objects.create(
                    programme=programme,
                    patient=patient,
                    submission=submission,
                    date=date,
                    minutes=minutes,
                    distance_km=distance_km,
                    terrain=terrain,
                    effort=band,
                    rpe=rpe,
                    comment=comment.strip(),
                    step_number=programme.current_step,
                    stint=programme.stint,
                    not_counted=rules.run_fits(
                        programme.step, minutes=minutes, terrain=terrain, effort=band
                    ),
                    **pains,
                )
        except IntegrityError:
            # The same form reached us twice at once: the first one won. (A key that belongs
            # to nobody's run of this patient cannot be reused: ask for a fresh form.)
            first = RunLog.objects.filter(submission=submission, patient=patient).first()
            if first is None:
                raise ValidationError(
                    "This form has expired: please open the run log again."
                ) from None
            return first, False
        programme_apply_rule(programme=programme)
    return run, True


@transaction.atomic
def run_next_morning_save(*, run: RunLog, pain: int | None) -> RunLog:
    """Add the pain on the morning after a run (asked from the next day on; once)."""
    programme = RunProgramme.objects.select_for_update().get(pk=run.programme_id)
    run = RunLog.objects.select_for_update().get(pk=run.pk)
    today = patient_today(run.patient)
    if run.pain_next_morning is not None:
        raise ValidationError({"pain_next_morning": "You have already told us about that morning."})
    if today <= run.date:
        raise ValidationError(
            {"pain_next_morning": "Come back tomorrow morning to tell us how you feel."}
        )
    if pain is None or not 0 <= pain <= 10:
        raise ValidationError({"pain_next_morning": PAIN_MESSAGE})
    run.pain_next_morning = pain
    run.next_morning_at = timezone.now()
    run.save(update_fields=["pain_next_morning", "next_morning_at", "updated_at"])
    # The answer is kept while the programme is on hold, but the step does not move until a
    # clinician resumes it: the next run logged after that applies the rule again.
    if (
        programme.status == RunProgramme.Status.ACTIVE
        and not programme.is_held
        and run.stint == programme.stint
    ):
        programme_apply_rule(programme=programme)
    return run


def programme_apply_rule(*, programme: RunProgramme) -> ProgrammeDecision:
    """Apply the rule to the runs of the current stint, record the decision and move the
    step when it says so. The caller holds the programme's row lock."""
    runs = list(RunLog.objects.filter(programme=programme, stint=programme.stint))
    facts = [
        rules.Run(
            id=run.pk,
            date=run.date,
            minutes=run.minutes,
            terrain=run.terrain,
            effort=run.effort,
            pain_before=run.pain_before,
            pain_during=run.pain_during,
            pain_after=run.pain_after,
            pain_next_morning=run.pain_next_morning,
        )
        for run in runs
    ]
    index = programme.current_step
    outcome = rules.evaluate(
        step=programme.step,
        runs=facts,
        next_step=programme.step_at(index + 1),
        previous_step=programme.step_at(index - 1) if index else None,
    )
    to_step = {rules.ADVANCE: index + 1, rules.STEP_BACK: max(index - 1, 0)}.get(
        outcome.kind, index
    )
    decision = ProgrammeDecision.objects.create(
        programme=programme,
        kind=outcome.kind,
        from_step=index,
        to_step=to_step,
        rule=outcome.rule,
        explanation=outcome.explanation,
    )
    decision.runs.set(outcome.run_ids)
    fields = ["updated_at"]
    if to_step != index or outcome.kind == rules.STEP_BACK:
        # A step back at the first step still starts the count afresh.
        programme.current_step = to_step
        programme.stint += 1
        fields += ["current_step", "stint"]
    if outcome.kind == rules.COMPLETE:
        programme.status = RunProgramme.Status.COMPLETED
        programme.ended_on = patient_today(programme.patient)
        programme.end_reason = "All steps completed"
        fields += ["status", "ended_on", "end_reason"]
    programme.save(update_fields=fields)
    return decision


def run_mark_seen(*, run: RunLog, user) -> None:
    """The therapist has looked at a worrying run or a comment: off the dashboard list."""
    RunLog.objects.filter(pk=run.pk, seen_at__isnull=True).update(
        seen_at=timezone.now(), seen_by=user
    )
