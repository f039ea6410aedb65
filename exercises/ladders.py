"""Exercise progressions (ladders of steps), read from a versioned data file checked at load.

`progressions/v1.toml` lists, easiest first, the steps of each line of progression: a library
exercise, its dose at that step, what the patient must manage before moving on (in words) and
the rule the site checks on the portal logs to suggest a change to the therapist. The file is
checked when this module is imported, so a bad entry stops the site with a message naming it
(the habit of rehab/catalogue.py). Plain Python: no ORM.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

PROGRESSIONS_PATH = Path(__file__).resolve().parent / "progressions" / "v1.toml"

#: The dose fields a step may set (exercises.models.DOSE_FIELDS) and their sensible ranges.
DOSE_RANGES = {
    "sets": (1, 10),
    "reps": (1, 100),
    "hold_seconds": (1, 600),
    "duration_minutes": (1, 180),
    "times_per_day": (1, 12),
    "days_per_week": (1, 7),
}
#: The rule's parameters and their ranges (see the data file's header for what each means).
RULE_RANGES = {
    "max_pain": (0, 10),
    "stop_pain": (0, 10),
    "days": (1, 56),
    "min_sessions": (1, 56),
    "regress_after": (1, 14),
}
CODE = re.compile(r"^EX-[A-Z]\d{2}$")
KEY = re.compile(r"^[a-z0-9_]{1,60}$")
_STEP_KEYS = {"key", "exercise", "name", "when", "dose", "rule"}


class ProgressionsError(ValueError):
    """The progressions file is malformed; the message names the file, ladder and step."""


@dataclass(frozen=True)
class Rule:
    max_pain: int
    stop_pain: int
    days: int
    min_sessions: int
    regress_after: int


@dataclass(frozen=True)
class Step:
    key: str
    exercise: str
    name: str
    when: str
    dose: dict = field(hash=False, compare=False)
    rule: Rule = field(hash=False, compare=False)
    ladder: str = ""
    number: int = 0
    of: int = 0


@dataclass(frozen=True)
class Ladder:
    key: str
    name: str
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Progressions:
    version: str
    ladders: dict[str, Ladder]
    steps: dict[str, Step]

    def step(self, *, exercise: str, key: str = "") -> Step | None:
        """Where an item with this exercise stands: its remembered step when the file still has
        it for that exercise, else the first step of the exercise (file order), else None."""
        step = self.steps.get(key)
        if step is not None and step.exercise == exercise:
            return step
        return next((step for step in self.steps.values() if step.exercise == exercise), None)

    def neighbour(self, step: Step, offset: int) -> Step | None:
        """The step `offset` places along the same ladder (+1 next, -1 previous), or None."""
        index = step.number - 1 + offset
        steps = self.ladders[step.ladder].steps
        return steps[index] if 0 <= index < len(steps) else None


def _int(value, where: str, name: str, bounds: tuple[int, int]) -> int:
    low, high = bounds
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ProgressionsError(f"{where}: {name} must be a whole number from {low} to {high}")
    return value


def _text(entry: dict, name: str, where: str) -> str:
    value = entry.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ProgressionsError(f"{where}: needs a {name}")
    return value.strip()


def _rule(data, where: str, base: dict | None = None) -> Rule:
    if not isinstance(data, dict):
        raise ProgressionsError(f"{where}: rule must be a table")
    unknown = set(data) - set(RULE_RANGES)
    if unknown:
        raise ProgressionsError(f"{where}: unknown rule key(s) {', '.join(sorted(unknown))}")
    values = {**(base or {}), **data}
    missing = set(RULE_RANGES) - set(values)
    if missing:
        raise ProgressionsError(f"{where}: rule needs {', '.join(sorted(missing))}")
    return Rule(**{name: _int(values[name], where, name, RULE_RANGES[name]) for name in values})


def _dose(data, where: str) -> dict:
    if not isinstance(data, dict):
        raise ProgressionsError(f"{where}: dose must be a table")
    unknown = set(data) - set(DOSE_RANGES) - {"reps_per_set"}
    if unknown:
        raise ProgressionsError(f"{where}: unknown dose field(s) {', '.join(sorted(unknown))}")
    dose = {
        name: _int(value, where, name, DOSE_RANGES[name])
        for name, value in data.items()
        if name != "reps_per_set"
    }
    if "reps_per_set" in data:
        reps = data["reps_per_set"]
        if not isinstance(reps, list) or not reps:
            raise ProgressionsError(f"{where}: reps_per_set must be a list of numbers")
        dose["reps_per_set"] = [
            _int(value, where, "reps_per_set", DOSE_RANGES["reps"]) for value in reps
        ]
        if dose.get("sets") != len(reps):
            raise ProgressionsError(f"{where}: reps_per_set needs one number per set")
    return dose


def _ladder(entry, where: str, base_rule: dict, seen: dict[str, str]) -> Ladder:
    if not isinstance(entry, dict):
        raise ProgressionsError(f"{where}: must be a table")
    unknown = set(entry) - {"key", "name", "steps"}
    if unknown:
        raise ProgressionsError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    key = _text(entry, "key", where)
    if not KEY.match(key):
        raise ProgressionsError(f"{where}: key {key!r} must be lower-case letters, digits and _")
    where = f"{where} ({key!r})"
    name = _text(entry, "name", where)
    raw_steps = entry.get("steps")
    if not isinstance(raw_steps, list) or len(raw_steps) < 2:
        raise ProgressionsError(f"{where}: needs at least two steps")
    steps = []
    for number, data in enumerate(raw_steps, start=1):
        at = f"{where}, step {number}"
        if not isinstance(data, dict):
            raise ProgressionsError(f"{at}: must be a table")
        unknown = set(data) - _STEP_KEYS
        if unknown:
            raise ProgressionsError(f"{at}: unknown key(s) {', '.join(sorted(unknown))}")
        step_key = _text(data, "key", at)
        if not KEY.match(step_key):
            raise ProgressionsError(f"{at}: key {step_key!r} must be lower-case letters, digits, _")
        if step_key in seen:
            raise ProgressionsError(f"{at}: key {step_key!r} is already used in {seen[step_key]}")
        seen[step_key] = where
        at = f"{at} ({step_key!r})"
        exercise = _text(data, "exercise", at)
        if not CODE.match(exercise):
            raise ProgressionsError(f"{at}: exercise {exercise!r} is not a library code (EX-A01)")
        last = number == len(raw_steps)
        if last and "when" in data:
            raise ProgressionsError(f"{at}: the last step has no next step, so no 'when'")
        steps.append(
            Step(
                key=step_key,
                exercise=exercise,
                name=_text(data, "name", at),
                when="" if last else _text(data, "when", at),
                dose=_dose(data.get("dose", {}), at),
                rule=_rule(data.get("rule", {}), at, base_rule),
                ladder=key,
                number=number,
                of=len(raw_steps),
            )
        )
    return Ladder(key=key, name=name, steps=tuple(steps))


def load(path: Path | str = PROGRESSIONS_PATH) -> Progressions:
    """Read and check a progressions file. Raises `ProgressionsError` naming the bad entry."""
    path = Path(path)
    where = path.name
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ProgressionsError(f"{where}: cannot be read: {error}") from error
    unknown = set(data) - {"version", "rule", "ladders"}
    if unknown:
        raise ProgressionsError(f"{where}: unknown top-level key(s) {', '.join(sorted(unknown))}")
    expected = path.stem.removeprefix("v").replace("_", ".")
    if data.get("version") != expected:
        raise ProgressionsError(f"{where}: version must be {expected!r} (the file name)")
    base_rule = _rule(data.get("rule"), f"{where}, [rule]")
    ladders: dict[str, Ladder] = {}
    seen: dict[str, str] = {}
    for index, entry in enumerate(data.get("ladders") or [], start=1):
        ladder = _ladder(entry, f"{where}, ladder {index}", vars(base_rule), seen)
        if ladder.key in ladders:
            raise ProgressionsError(f"{where}, ladder {index}: key {ladder.key!r} is used twice")
        ladders[ladder.key] = ladder
    if not ladders:
        raise ProgressionsError(f"{where}: lists no [[ladders]]")
    steps = {step.key: step for ladder in ladders.values() for step in ladder.steps}
    return Progressions(version=expected, ladders=ladders, steps=steps)


PROGRESSIONS = load()


#: The keys `snapshot_keys` adds to a published item.
SNAPSHOT_KEYS = ("step", "next_step")


def snapshot_keys(*, exercise: str, key: str = "") -> dict:
    """What a published plan item carries about its progression (nothing for an exercise with
    no ladder): "step" (its key, name, number and how many) and, before the last step,
    "next_step" (the next step's name and, in plain words, when to move on)."""
    step = PROGRESSIONS.step(exercise=exercise, key=key)
    if step is None:
        return {}
    keys = {"step": {"key": step.key, "name": step.name, "number": step.number, "of": step.of}}
    following = PROGRESSIONS.neighbour(step, +1)
    if following is not None:
        keys["next_step"] = {"name": following.name, "when": step.when}
    return keys
