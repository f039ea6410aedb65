"""Writes for assessments, decisions and referral outcomes.

A finalised assessment is never changed in place: `assessment_amend` starts a new version.
Decisions and referral outcomes are only ever added.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from assessments import stored_result
from assessments.decision_rules import (
    decision_applies,
    decision_problems,
    working_diagnosis_problems,
)
from assessments.diagnosis.engine import default_final_dx, diagnose
from assessments.diagnosis.result import INDETERMINATE, DiagnosisResult
from assessments.diagnosis.schema import FIELDS, validate_findings
from assessments.models import (
    Assessment,
    AssessmentDecision,
    PreVisitQuestionnaire,
    ReferralOutcome,
    WorkingDiagnosis,
)
from clinic import audit

NO_FOLLOW_UP_DECISION = (
    "This follow-up found no red flag, so the episode's diagnosis stands: record a new "
    "diagnosis on the intake assessment if it has changed."
)


class AssessmentLockedError(Exception):
    """The assessment is final (or already amended) and cannot be changed this way."""


def _apply_findings(assessment: Assessment, findings: Mapping[str, object]) -> None:
    unknown = [name for name in findings if name not in FIELDS]
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "Not a known finding."))
    for name, value in findings.items():
        setattr(assessment, name, value)
    recorded = assessment.findings()
    errors = validate_findings(recorded)
    if errors:
        raise ValidationError({error.field: error.message for error in errors})
    assessment.engine_result = stored_result.record(recorded)


@transaction.atomic
def assessment_create(
    *,
    episode,
    therapist,
    kind: str = Assessment.Kind.INTAKE,
    findings: Mapping[str, object] | None = None,
    prefilled_from: str = "",
) -> Assessment:
    """Start a draft assessment on an episode. Any subset of findings may be given."""
    assessment = Assessment(
        episode=episode, therapist=therapist, kind=kind, prefilled_from=prefilled_from
    )
    _apply_findings(assessment, findings or {})
    assessment.save()
    return assessment


@transaction.atomic
def assessment_save_draft(*, assessment: Assessment, findings: Mapping[str, object]) -> Assessment:
    """Update a draft's findings. Raises AssessmentLockedError for a final assessment."""
    locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if locked.is_final:
        raise AssessmentLockedError("A final assessment changes only by amendment.")
    _apply_findings(assessment, findings)
    assessment.save()
    return assessment


@transaction.atomic
def assessment_finalise(*, assessment: Assessment, by) -> Assessment:
    """Lock a draft. The caller (the form) has checked completeness. Idempotent refusal:
    raises AssessmentLockedError if it is already final."""
    locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if locked.is_final:
        raise AssessmentLockedError("This assessment is already final.")
    assessment.status = Assessment.Status.FINAL
    assessment.finalised_at = timezone.now()
    assessment.finalised_by = by
    assessment.save(update_fields=["status", "finalised_at", "finalised_by", "updated_at"])
    return assessment


@transaction.atomic
def assessment_amend(*, assessment: Assessment, by, reason: str) -> Assessment:
    """Start a new draft version of a final assessment, copying its findings.

    The earlier version is left untouched and stays readable. Raises AssessmentLockedError when the
    assessment is still a draft (edit it instead) or already has an amendment.
    """
    locked = Assessment.objects.select_for_update().get(pk=assessment.pk)
    if not locked.is_final:
        raise AssessmentLockedError("A draft can be edited directly.")
    if Assessment.objects.filter(supersedes=locked).exists():
        raise AssessmentLockedError("This version has already been amended.")
    if not reason.strip():
        raise ValidationError({"reason": "Give a reason for the amendment."})
    amendment = Assessment(
        episode_id=locked.episode_id,
        therapist=by,
        kind=locked.kind,
        assessed_on=locked.assessed_on,
        version=locked.version + 1,
        supersedes=locked,
        amendment_reason=reason.strip(),
        prefilled_from=locked.prefilled_from,
    )
    for name in FIELDS:
        setattr(amendment, name, getattr(locked, name))
    amendment.engine_result = stored_result.record(amendment.findings())
    amendment.save()
    return amendment


@transaction.atomic
def decision_record(
    *,
    assessment: Assessment,
    by,
    final_dx: str,
    other_dx_text: str = "",
    override_reason: str = "",
    red_flag_override_confirmed: bool = False,
    result: DiagnosisResult | None = None,
) -> AssessmentDecision:
    """Record the clinician's final diagnosis on a final assessment.

    The engine is run on the saved findings, and its version, full result and the inputs are
    stored with the decision. Raises ValidationError when a decision rule is broken (see
    `decision_rules.decision_problems`) or when the assessment takes no decision (a follow-up
    without a red flag, see `decision_rules.decision_applies`), and AssessmentLockedError when
    the assessment is a draft or has been amended.

    `result` is the engine's result for this assessment's saved findings under the current
    rules, when the caller has already run it (the decision page): a final assessment's
    findings cannot change, so it is reused rather than computed a second time.
    """
    if not assessment.is_final:
        raise AssessmentLockedError("Finalise the assessment before confirming a diagnosis.")
    if Assessment.objects.filter(supersedes=assessment).exists():
        raise AssessmentLockedError("This version has been amended: decide on the latest one.")
    findings = assessment.findings()
    if result is None:
        result = diagnose(findings)
    if not decision_applies(kind=assessment.kind, result=result):
        raise ValidationError(NO_FOLLOW_UP_DECISION)
    problems = decision_problems(
        result=result,
        final_dx=final_dx,
        other_dx_text=other_dx_text,
        override_reason=override_reason,
        red_flag_override_confirmed=red_flag_override_confirmed,
    )
    if problems:
        raise ValidationError(problems)
    suggested = default_final_dx(result)
    return AssessmentDecision.objects.create(
        assessment=assessment,
        episode_id=assessment.episode_id,
        clinician_final_dx=final_dx,
        other_dx_text=other_dx_text.strip() if final_dx == "other" else "",
        override_reason=override_reason.strip(),
        suggested_label=result.label,
        suggested_dx=suggested,
        red_flag_override_confirmed=bool(red_flag_override_confirmed)
        and suggested == "red_flag_referral"
        and final_dx != suggested,
        model_version=result.rules_version,
        score_snapshot=result.as_dict(),
        findings=findings,
        confirmed_by=by,
    )


NOT_INDETERMINATE = (
    "A working diagnosis is for an indeterminate suggestion: confirm or override the "
    "suggestion instead."
)
ALREADY_CONFIRMED = (
    "This episode has a confirmed diagnosis: record a new decision instead of a working one."
)


@transaction.atomic
def working_diagnosis_record(
    *,
    assessment: Assessment,
    by,
    working_dx: str,
    deciding_test: str,
    other_dx_text: str = "",
    deciding_test_note: str = "",
    result: DiagnosisResult | None = None,
) -> WorkingDiagnosis:
    """Record what the clinician works on while the engine's suggestion for a final
    assessment is indeterminate, and the test that will decide it. Audited; append-only (a
    later one replaces it, a confirmed decision on the episode supersedes it).

    Raises ValidationError (keyed by form field where there is one) when the suggestion is
    not indeterminate, the assessment takes no decision, the episode already has a confirmed
    diagnosis, or "Something else" is not named; AssessmentLockedError for a draft or an
    amended version. `result`: the engine's result for the saved findings, when the caller
    has it (see `decision_record`)."""
    if not assessment.is_final:
        raise AssessmentLockedError("Finalise the assessment before recording a diagnosis.")
    if Assessment.objects.filter(supersedes=assessment).exists():
        raise AssessmentLockedError("This version has been amended: use the latest one.")
    if result is None:
        result = diagnose(assessment.findings())
    if result.label != INDETERMINATE or not decision_applies(kind=assessment.kind, result=result):
        raise ValidationError(NOT_INDETERMINATE)
    if AssessmentDecision.objects.filter(episode_id=assessment.episode_id).exists():
        raise ValidationError(ALREADY_CONFIRMED)
    problems = working_diagnosis_problems(
        working_dx=working_dx,
        deciding_test=deciding_test,
        other_dx_text=other_dx_text,
        deciding_test_note=deciding_test_note,
    )
    if working_dx not in WorkingDiagnosis.Dx.values:
        problems["working_dx"] = "Choose a working diagnosis."
    if deciding_test not in WorkingDiagnosis.DecidingTest.values:
        problems["deciding_test"] = "Choose the test that will decide it."
    if problems:
        raise ValidationError(problems)
    working = WorkingDiagnosis.objects.create(
        assessment=assessment,
        episode_id=assessment.episode_id,
        working_dx=working_dx,
        other_dx_text=other_dx_text.strip() if working_dx == "other" else "",
        deciding_test=deciding_test,
        deciding_test_note=deciding_test_note.strip(),
        suggested_label=result.label,
        model_version=result.rules_version,
        recorded_by=by,
    )
    audit.record(
        "create",
        obj=working,
        patient=assessment.episode.patient,
        detail={
            "event": "working_diagnosis_recorded",
            "assessment": str(assessment.public_id),
            "working_dx": working_dx,
            "deciding_test": deciding_test,
        },
        user=by,
    )
    return working


def questionnaire_save(
    *, patient, episode=None, answers: Mapping[str, object]
) -> PreVisitQuestionnaire:
    """Store the patient's pre-visit answers (SPEC names; None = skipped), replacing any
    earlier answers for the same episode. The earlier answers stay in the history table."""
    recorded = {
        name: float(value) if hasattr(value, "as_tuple") else value
        for name, value in answers.items()
        if value is not None
    }
    errors = validate_findings(recorded)
    if errors:
        raise ValidationError({error.field: error.message for error in errors})
    questionnaire, _ = PreVisitQuestionnaire.objects.update_or_create(
        patient=patient,
        episode=episode,
        defaults={"answers": recorded, "submitted_at": timezone.now()},
    )
    return questionnaire


def referral_outcome_dates(decision: AssessmentDecision) -> tuple[dt.date, dt.date]:
    """The days a referral's outcome may say the patient was seen on: from the day of the
    referral to today, counted in the clinic's zone or the patient's, whichever allows more
    (a patient abroad may be a day ahead of the clinic)."""
    zones = (timezone.get_default_timezone(), ZoneInfo(decision.episode.patient.time_zone))
    now = timezone.now()
    first = min(decision.confirmed_at.astimezone(zone).date() for zone in zones)
    last = max(now.astimezone(zone).date() for zone in zones)
    return first, last


@transaction.atomic
def referral_outcome_record(
    *,
    decision: AssessmentDecision,
    by,
    seen_on: dt.date,
    seen_by: str,
    result: str,
    cleared_to_resume: str,
    seen_by_detail: str = "",
    no_further_action: bool = False,
) -> ReferralOutcome:
    """Add what happened after a red-flag referral. The newest outcome counts: the referral is
    closed once it clears the patient to resume or records no further action, and open again
    if a later outcome says otherwise. Held exercise plans are not resumed here: a clinician
    resumes each with a reason (exercises.services.plan_resume_after_hold). Audited. Raises
    ValidationError (keyed by field) for a decision that is not a referral or a bad value."""
    if decision.clinician_final_dx != AssessmentDecision.FinalDx.RED_FLAG_REFERRAL:
        raise ValidationError("Only a red-flag referral has an outcome to record.")
    errors = {}
    first, last = referral_outcome_dates(decision)
    if not first <= seen_on <= last:
        errors["seen_on"] = "Enter a date between the referral and today."
    if seen_by not in ReferralOutcome.SeenBy.values:
        errors["seen_by"] = "Choose who saw the patient."
    if seen_by == ReferralOutcome.SeenBy.OTHER and not seen_by_detail.strip():
        errors["seen_by_detail"] = "Say who saw the patient, or where."
    if not result.strip():
        errors["result"] = "Write down the result."
    if cleared_to_resume not in ReferralOutcome.Cleared.values:
        errors["cleared_to_resume"] = "Say whether the patient may resume exercise and running."
    if errors:
        raise ValidationError(errors)
    outcome = ReferralOutcome.objects.create(
        decision=decision,
        seen_on=seen_on,
        seen_by=seen_by,
        seen_by_detail=seen_by_detail.strip(),
        result=result.strip(),
        cleared_to_resume=cleared_to_resume,
        no_further_action=bool(no_further_action),
        recorded_by=by,
    )
    audit.record(
        "create",
        obj=outcome,
        patient=decision.episode.patient,
        detail={
            "event": "referral_outcome_recorded",
            "referral": str(decision.public_id),
            "cleared_to_resume": cleared_to_resume,
            "closes_referral": outcome.closes_referral,
        },
        user=by,
    )
    return outcome
