"""The return-to-run rule: pure Python, no database. Fed the current step and the runs logged
at it, it says whether the programme moves on, holds or steps back, and why, in words for the
clinician (`rule`) and for the patient (`explanation`).

The rule (EXERCISES.md EX-A08 and the return-to-run criteria; issue 15 section 3):

* Step back one step when any run at this step reached pain 5 or more (during, after or the
  next morning), or the next morning was worse than before the run two runs running.
* Hold while the newest run's next-morning answer is missing, or when it had pain 3 or 4.
* Move on once the step's number of runs went well in a row: done as the step asks (terrain,
  time, effort) with pain at most 2 during and after, and the next morning settled (at most 2
  and no higher than before the run). A run with pain 3 or 4 starts the count again; a run the
  step does not allow (hills on a flat step, say) does not count, and the patient is told why.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from itertools import pairwise

from running.programmes import EFFORT_ORDER, TERRAINS, Step

#: Pain (0-10) at or under which a run counts as going well.
SETTLED = 2
#: Pain at or over which the programme steps back.
STEP_BACK_AT = 5
#: How far a run's time may be from the step's and still count as done as prescribed.
SHORT_BY = 0.9
LONG_BY = 1.25

ADVANCE = "advance"
HOLD = "hold"
STEP_BACK = "step_back"
COMPLETE = "complete"


@dataclass(frozen=True)
class Run:
    """What the rule needs to know about one logged run."""

    id: int
    date: dt.date
    minutes: int
    terrain: str
    effort: str
    pain_before: int
    pain_during: int
    pain_after: int
    pain_next_morning: int | None = None

    @property
    def peak(self) -> int:
        values = [self.pain_during, self.pain_after]
        if self.pain_next_morning is not None:
            values.append(self.pain_next_morning)
        return max(values)

    @property
    def worse_next_morning(self) -> bool:
        return self.pain_next_morning is not None and self.pain_next_morning > self.pain_before

    @property
    def settled(self) -> bool:
        return (
            self.pain_during <= SETTLED
            and self.pain_after <= SETTLED
            and self.pain_next_morning is not None
            and self.pain_next_morning <= SETTLED
            and not self.worse_next_morning
        )


@dataclass(frozen=True)
class Outcome:
    kind: str
    rule: str
    explanation: str
    run_ids: tuple[int, ...] = field(default_factory=tuple)


def day_name(day: dt.date) -> str:
    return f"{day:%A}'s"


def run_fits(step: Step, *, minutes: int, terrain: str, effort: str) -> str:
    """Why a run does not count at `step` ("" when it does), in words for the patient."""
    if terrain not in step.terrain:
        where = TERRAINS.get(terrain, terrain).split(" (")[0].lower()
        return (
            f"This run was {where}; your current step is {step.terrain_text()}, "
            "so it does not count towards moving on."
        )
    if minutes < step.total_minutes * SHORT_BY:
        return (
            f"This run was {minutes} minutes; your current step is {step.total_minutes} "
            "minutes, so it does not count towards moving on yet."
        )
    if minutes > step.total_minutes * LONG_BY:
        return (
            f"This run was {minutes} minutes, more than your current step's "
            f"{step.total_minutes}; it does not count towards moving on. Building up slowly "
            "is what keeps the pain away."
        )
    if EFFORT_ORDER.index(effort) > EFFORT_ORDER.index(step.effort):
        return (
            f"This run felt {effort}; your current step should feel {step.effort_text()}, "
            "so it does not count towards moving on."
        )
    return ""


def evaluate(
    *,
    step: Step,
    runs: list[Run],
    next_step: Step | None,
    previous_step: Step | None,
) -> Outcome:
    """The decision after the newest run at `step`. `runs` are the runs logged since the
    programme reached this step, oldest first."""
    runs = sorted(runs, key=lambda run: (run.date, run.id))
    if not runs:
        return Outcome(HOLD, "No run logged at this step yet.", "Log your first run at this step.")
    back_to = previous_step or step
    stay = "stay at" if previous_step is None else "go back to"
    back_words = f"{stay} {back_to.name}: {back_to.what_to_do()}"
    for run in reversed(runs):
        if run.peak >= STEP_BACK_AT:
            when = _when_pain(run)
            return Outcome(
                STEP_BACK,
                f"Pain {run.peak}/10 {when} the run of {run.date:%d %b}: "
                f"{STEP_BACK_AT} or more steps back one step.",
                f"Your pain reached {run.peak} {when} {day_name(run.date)} run, so "
                f"{back_words} Tell your physio if the pain stays.",
                (run.id,),
            )
    for earlier, later in pairwise(runs):
        if earlier.worse_next_morning and later.worse_next_morning:
            return Outcome(
                STEP_BACK,
                f"Worse the next morning after two runs running ({earlier.date:%d %b} and "
                f"{later.date:%d %b}): steps back one step.",
                f"You were worse the morning after two runs in a row, so {back_words} "
                "Tell your physio if it does not settle.",
                (earlier.id, later.id),
            )
    newest = runs[-1]
    stay_words = f"Stay at {step.name}: {step.what_to_do()}"
    if newest.pain_next_morning is None:
        return Outcome(
            HOLD,
            f"Waiting for the next-morning answer to the run of {newest.date:%d %b}.",
            f"How was the morning after {day_name(newest.date)} run? Tell us your pain that "
            f"morning; we can move you on only once we know. {stay_words}",
            (newest.id,),
        )
    if newest.peak > SETTLED:
        when = _when_pain(newest)
        return Outcome(
            HOLD,
            f"Pain {newest.peak}/10 {when} the run of {newest.date:%d %b} (3-4 holds).",
            f"Your pain reached {newest.peak} {when} {day_name(newest.date)} run, so stay "
            f"at this step until {step.runs_to_move_on} runs in a row go with pain of 2 or "
            f"less. {stay_words}",
            (newest.id,),
        )
    streak: list[Run] = []
    for run in runs:
        if run.peak > SETTLED:
            streak = []
        elif run.settled and not run_fits(
            step, minutes=run.minutes, terrain=run.terrain, effort=run.effort
        ):
            streak.append(run)
    needed = step.runs_to_move_on
    ids = tuple(run.id for run in streak)
    if len(streak) >= needed:
        rule = (
            f"{len(streak)} runs at this step as prescribed with pain at most {SETTLED}/10 "
            "during and after and settled the next morning: moves on."
        )
        done = (
            f"You did {_runs(len(streak))} at this step with little pain, settled by the "
            "next morning."
        )
        if next_step is None:
            return Outcome(
                COMPLETE,
                rule,
                f"{done} That was the last step: you have finished the programme. Well done! "
                "Your physio will talk with you about what comes next.",
                ids,
            )
        return Outcome(
            ADVANCE, rule, f"{done} Next step: {next_step.name}: {next_step.what_to_do()}", ids
        )
    return Outcome(
        HOLD,
        f"{len(streak)} of {needed} runs done well at this step.",
        f"You have done {len(streak)} of {needed} runs at this step with little pain. "
        f"Keep going: {step.what_to_do()}",
        ids,
    )


def _runs(count: int) -> str:
    return "1 run" if count == 1 else f"{count} runs"


def _when_pain(run: Run) -> str:
    """Where the peak pain was: during, after, or the morning after the run."""
    if run.pain_during == run.peak:
        return "during"
    if run.pain_after == run.peak:
        return "after"
    return "the morning after"
