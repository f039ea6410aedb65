"""Writes for staged rehab: stage changes and discharge summaries, both append-only.

Moving on is the therapist's decision, recorded with the criteria as they stood; the rules
only insist on a reason where the record would otherwise look unexplained (moving on with
criteria unmet, or moving back).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from patients.models import Episode
from rehab import selectors
from rehab.advice import advice_for
from rehab.catalogue import CATALOGUE
from rehab.criteria import evaluate_stage
from rehab.models import DischargeSummary, StageChange


@transaction.atomic
def stage_change_record(
    *, episode: Episode, user, to_stage: str, reason: str = "", from_stage: str | None = None
) -> StageChange:
    """Move an open episode to `to_stage`: the next stage, or back to an earlier one.

    `from_stage` is the stage the therapist saw when deciding; if the episode has moved since,
    nothing is recorded. Raises ValidationError (keyed by form field) when the move is not
    allowed: unmet criteria or a move back without a reason, an unknown stage, no confirmed
    diagnosis, or a discharged episode.
    """
    # Lock the episode so two therapists cannot record two moves from the same stage.
    Episode.objects.select_for_update().filter(pk=episode.pk).first()
    if not episode.is_open:
        raise ValidationError("This episode is discharged: its stage no longer changes.")
    status = selectors.episode_rehab(episode=episode)
    if status.stage is None:
        raise ValidationError(status.message)
    if from_stage is not None and from_stage != status.stage.code:
        raise ValidationError(
            "The stage changed while you were deciding: look at the criteria again."
        )
    target = status.stage_list.index_of(to_stage)
    if target is None or target == status.index:
        raise ValidationError({"to_stage": "Choose a stage other than the current one."})
    reason = reason.strip()
    forward = target > status.index
    if forward and target != status.index + 1:
        raise ValidationError({"to_stage": "Move on one stage at a time."})
    if forward and not status.all_met and not reason:
        raise ValidationError(
            {"reason": "Some criteria are not met: say why the patient is moving on anyway."}
        )
    if not forward and not reason:
        raise ValidationError({"reason": "Say why the patient is moving back."})
    return StageChange.objects.create(
        episode=episode,
        stage_list=status.stage_list.name,
        catalogue_version=CATALOGUE.version,
        from_stage=status.stage.code,
        to_stage=to_stage,
        direction=StageChange.Direction.FORWARD if forward else StageChange.Direction.BACK,
        criteria=[result.as_json() for result in status.results],
        criteria_met=status.all_met,
        reason=reason,
        decided_by=user,
        decided_at=timezone.now(),
    )


def discharge_summary_record(
    *,
    episode: Episode,
    user,
    gp_letter_consent: bool = False,
    gp_consent_how: str = "",
    gp_name: str = "",
) -> DischargeSummary:
    """Snapshot an episode at discharge: its diagnosis, the stages it went through, the
    criteria for full running as they stand, the outcome measures before and after, what was
    done and the advice to take home. Call it in the transaction that discharges the episode.
    The GP letter is possible only with the patient's consent, recorded with how and when."""
    measures = selectors.episode_measures(episode=episode)
    pain = selectors.pain_facts(episode=episode)
    status = selectors.episode_rehab(episode=episode, measures=measures, pain=pain)
    criteria = []
    if status.stage_list is not None:
        last = status.stage_list.stages[-1]
        criteria = [r.as_json() for r in evaluate_stage(last, CATALOGUE.criteria, measures, pain)]
    decision = status.decision
    return DischargeSummary.objects.create(
        episode=episode,
        final_dx=decision.final_dx if decision else "",
        final_dx_label=decision.get_clinician_final_dx_display() if decision else "",
        stage_list=status.stage_list.name if status.stage_list else "",
        stage_reached=status.stage.code if status.stage else "",
        stages=[
            {
                "code": period.stage.code,
                "label": period.stage.label,
                "entered_on": period.entered_on.isoformat(),
                "left_on": period.left_on.isoformat() if period.left_on else None,
                "days": period.days,
            }
            for period in status.periods()
        ],
        criteria=criteria,
        measures=selectors.outcome_measures(episode=episode),
        care=selectors.care_facts(episode=episode),
        advice=advice_for(status.stage_list.name if status.stage_list else None),
        gp_letter_consent=gp_letter_consent,
        gp_consent_how=gp_consent_how if gp_letter_consent else "",
        gp_consent_at=timezone.now() if gp_letter_consent else None,
        gp_name=gp_name.strip() if gp_letter_consent else "",
        created_by=user,
    )
