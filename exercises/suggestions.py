"""The plan suggestion service: gathers what a suggestion weighs (the diagnosis, the rehab
stage, the days since the injury, the irritability of the pain) and turns the pure rules of
`exercises.suggest` into a draft plan whose items say why they were chosen."""

from __future__ import annotations

from collections.abc import Mapping

from exercises.models import Exercise, ExercisePlan
from exercises.services import plan_create
from exercises.suggest import Facts, Suggestion, irritability, suggest_plan_items


def suggestion_facts(*, episode, final_dx: str, findings: Mapping) -> Facts:
    """What a suggestion weighs (two queries): the diagnosis and its directional preference
    (from the confirmed decision's findings), the rehab stage, the days since the symptoms began
    (the episode's start, in the patient's own days) and the irritability of the pain: this
    week's portal exercise logs, else the pain scores recorded at assessment."""
    # rehab stands on this app (it reads the session logs), so it is imported here.
    from rehab.catalogue import CATALOGUE
    from rehab.criteria import evaluate
    from rehab.selectors import episode_stage, pain_facts

    stage = episode_stage(episode=episode, final_dx=final_dx)
    pain = pain_facts(episode=episode, days=7)
    settled = evaluate(CATALOGUE.criteria["pain_settled"], {}, pain).met
    return Facts(
        final_dx=final_dx,
        directional_preference=findings.get("directional_preference") or "",
        stage=stage.code if stage else "",
        stage_label=stage.label if stage else "",
        days_since_injury=(pain.today - episode.started_on).days,
        irritability=irritability(
            log_pains=[log.pain_during for log in pain.logs],
            worse_next_morning=any(log.worse_next_morning for log in pain.logs),
            pain_settled=settled,
            nprs_now=findings.get("nprs_now"),
            nprs_worst_week=findings.get("nprs_worst_week"),
        ),
    )


def plan_suggest(
    *, episode, user, final_dx: str, findings: Mapping
) -> tuple[ExercisePlan, Suggestion]:
    """A draft pre-filled from the confirmed diagnosis and the episode's course so far, each item
    with the reason it was chosen; the therapist edits it before publishing. Also returns the
    suggestion, whose `notes` say what waits (a retest, an earliest day). Three queries before
    the plan's own writes: the stage, the logs and the library."""
    facts = suggestion_facts(episode=episode, final_dx=final_dx, findings=findings)
    library = list(Exercise.objects.filter(archived_at__isnull=True))
    suggestion = suggest_plan_items(facts=facts, exercises=library)
    plan = plan_create(
        episode=episode,
        user=user,
        exercises=suggestion.exercises,
        reasons=[item.reason for item in suggestion.items],
    )
    return plan, suggestion
