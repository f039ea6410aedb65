"""The one write of progressions: move a plan item one step along its ladder and publish.

Kept beside services.py (which it uses) so that module stays within a head's size.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from clinic import audit
from exercises.ladders import PROGRESSIONS
from exercises.models import DOSE_FIELDS, Exercise, ExercisePlan, PlanItem, PlanVersion
from exercises.services import plan_has_unpublished_changes, plan_publish

PROGRESS = "progress"
REGRESS = "regress"
DIRECTIONS = {PROGRESS: +1, REGRESS: -1}

HELD = (
    "This plan is on hold for a red flag referral, so it cannot be progressed or regressed. "
    "A clinician must resume it with a reason first."
)
NOT_ACTIVE = "Only an active plan can be progressed or regressed: publish or resume it first."
UNPUBLISHED = (
    "The plan has changes the patient does not see yet. Publish them first, so that the new "
    "version changes only this exercise."
)


def progress_blocker(plan: ExercisePlan) -> str:
    """Why the plan's items cannot be progressed now, or "" (shown on the plan page too)."""
    if plan.is_held:
        return HELD
    if plan.status != ExercisePlan.Status.ACTIVE or plan.current_version_id is None:
        return NOT_ACTIVE
    return ""


@transaction.atomic
def plan_item_progress(*, item: PlanItem, direction: str, user) -> PlanVersion:
    """Move `item` one step on (`"progress"`) or back (`"regress"`) along its ladder
    (exercises/progressions), setting the step's exercise and dose, and publish the plan at
    once: the patient sees the new version straight away, and the version records what changed.

    Refused, with a message and nothing changed, for a held, draft, paused or completed plan, a
    plan with unpublished changes, an exercise with no ladder or no step that way, and a step
    whose exercise is already another item of the plan. Audited.
    """
    if direction not in DIRECTIONS:
        raise ValidationError("Choose to progress or regress the exercise.")
    plan = ExercisePlan.objects.select_for_update().get(pk=item.plan_id)
    blocker = progress_blocker(plan)
    if blocker:
        raise ValidationError(blocker)
    if plan_has_unpublished_changes(plan=plan):
        raise ValidationError(UNPUBLISHED)
    item = PlanItem.objects.select_related("exercise").get(pk=item.pk, plan=plan)
    current = PROGRESSIONS.step(exercise=item.exercise.code, key=item.progression_step)
    if current is None:
        raise ValidationError(f"{item.exercise.name} has no progressions in the library.")
    target = PROGRESSIONS.neighbour(current, DIRECTIONS[direction])
    if target is None:
        raise ValidationError(
            f"{item.exercise.name} is at its "
            f"{'last' if direction == PROGRESS else 'first'} step: there is none "
            f"{'after' if direction == PROGRESS else 'before'} “{current.name}”."
        )
    exercise = item.exercise
    if target.exercise != exercise.code:
        exercise = Exercise.objects.filter(code=target.exercise, archived_at__isnull=True).first()
        if exercise is None:
            raise ValidationError(f"The next exercise ({target.exercise}) is not in the library.")
        if plan.items.filter(exercise=exercise).exclude(pk=item.pk).exists():
            raise ValidationError(
                f"{exercise.name} is already in this plan: remove it, or change that item."
            )
    before = item.exercise.name
    item.exercise = exercise
    item.progression_step = target.key
    for name in DOSE_FIELDS:
        setattr(item, name, target.dose.get(name))
    item.reps_per_set = list(target.dose.get("reps_per_set") or ())
    item.save(update_fields=["exercise", "progression_step", *DOSE_FIELDS, "reps_per_set"])
    verb = "Progressed" if direction == PROGRESS else "Regressed"
    change = f"{verb} {before} to “{target.name}” (step {target.number} of {target.of})"
    version = plan_publish(plan=plan, user=user, change=change)
    audit.record(
        "update",
        obj=plan,
        patient=plan.patient,
        detail={
            "event": f"plan_item_{direction}ed",
            "from_step": current.key,
            "to_step": target.key,
            "version": version.number,
        },
        user=user,
    )
    return version
