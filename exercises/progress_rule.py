"""When to suggest progressing or regressing a plan item: pure Python, no database.

Fed the step's rule (exercises/ladders.py), the day the item reached its step and the
patient's portal logs, it returns a suggestion for the therapist, or None. It never changes a
plan: the therapist decides (issue 16, item 3).

* Regress: in the last `days` days at this step, the pain of `regress_after` sessions with the
  exercise went above `stop_pain` (the stop rules' 2/10), or the patient said `regress_after`
  times that they were worse the next morning. Regressing wins over progressing.
* Progress: the item has been at its step for at least `days` days; in the last `days` days at
  least `min_sessions` sessions with the exercise were logged, each with pain during and after
  at or under `max_pain`; and every next-morning answer in that time is "no worse", with at
  least one answer (a patient who never answers is not moved on blind).

A log's next-morning answer is about the session before it, so only answers given after the
step began count. Session pain is per session, not per exercise: a session counts for an item
only when the patient ticked that exercise as done.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

from exercises.ladders import Rule

PROGRESS = "progress"
REGRESS = "regress"


class Session(NamedTuple):
    """What the rule needs from one day's portal log (a tuple: the patient page makes one for
    each log in each laddered item's window on every view, and a frozen dataclass's
    `__init__` set each field by a call of its own)."""

    on: dt.date
    pain_during: int
    pain_after: int
    worse_next_morning: bool | None
    did_it: bool

    @property
    def peak(self) -> int:
        return max(self.pain_during, self.pain_after)


@dataclass(frozen=True)
class Suggestion:
    direction: str
    reason: str

    @property
    def label(self) -> str:
        return "Consider progressing" if self.direction == PROGRESS else "Consider regressing"


def period(days: int) -> str:
    """ "a week", "2 weeks", "3 days": how long, in words."""
    if days % 7 == 0:
        weeks = days // 7
        return "a week" if weeks == 1 else f"{weeks} weeks"
    return "a day" if days == 1 else f"{days} days"


def _times(count: int) -> str:
    return {1: "once", 2: "twice"}.get(count, f"{count} times")


def suggest(
    *,
    rule: Rule,
    since: dt.date,
    today: dt.date,
    sessions: list[Session],
    has_next: bool,
    has_previous: bool,
) -> Suggestion | None:
    """The suggestion for an item at its step since `since` (both days in the patient's zone)."""
    start = max(since, today - dt.timedelta(days=rule.days - 1))
    window = [session for session in sessions if start <= session.on <= today]
    done = [session for session in window if session.did_it]
    answers = [s.worse_next_morning for s in window if s.on > since]
    painful = [session for session in done if session.peak > rule.stop_pain]
    worse = answers.count(True)
    if has_previous and (len(painful) >= rule.regress_after or worse >= rule.regress_after):
        reasons = []
        if len(painful) >= rule.regress_after:
            reasons.append(f"pain went above {rule.stop_pain}/10 in {len(painful)} sessions")
        if worse >= rule.regress_after:
            reasons.append(f"worse the next morning {_times(worse)}")
        return Suggestion(
            REGRESS, f"{' and '.join(reasons).capitalize()} at this step: consider regressing."
        )
    if not has_next or since > today - dt.timedelta(days=rule.days):
        return None
    if len(done) < rule.min_sessions or any(s.peak > rule.max_pain for s in done):
        return None
    if worse or False not in answers:
        return None
    return Suggestion(
        PROGRESS,
        f"Pain stayed at or under {rule.max_pain}/10 and settled by next morning for "
        f"{period(rule.days)} ({len(done)} sessions): consider progressing.",
    )
