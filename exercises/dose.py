"""A dose in plain English, and the limits a dose must keep (no ORM, no request).

A patient reads the whole dose: the structured line ("3 sets of 8 each side · once a day ·
2 days a week") and, on its own line, the library's note ("Never two days in a row"). The
note is never a fallback for the line: it says what the numbers cannot (when to start, how
to build up, how often early on).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

#: The sensible range of each dose field, and the unit a message names. Outside it a value is
#: almost always a slip of the keyboard (30 sets meant 30 reps, 8 days meant 8 reps), so the
#: plan editor and the library form refuse it. Why these bounds:
#: - sets 1-10: home programmes use 1 to 3 (up to 5 for holds); 10 leaves room to spare.
#: - reps 1-50: the library's highest is 15; 50 covers easy range-of-movement drills.
#: - hold 1-120 seconds: the longest library hold is 30 s; 2 minutes covers any static stretch
#:   (longer positions, such as lying on your front, are prescribed in minutes).
#: - duration 1-60 minutes: easy cycling is 10 to 20; an hour is more than a home session.
#: - times a day 1-12: early press-ups every 2 to 3 hours and the standing back bend after
#:   each hour of sitting need up to about 12 in a waking day; more would be every hour.
#: - days a week 1-7: the calendar.
DOSE_RANGES: dict[str, tuple[int, int, str]] = {
    "sets": (1, 10, "sets"),
    "reps": (1, 50, "repetitions"),
    "hold_seconds": (1, 120, "seconds"),
    "duration_minutes": (1, 60, "minutes"),
    "times_per_day": (1, 12, "times a day"),
    "days_per_week": (1, 7, "days"),
}


def range_message(name: str) -> str:
    """What the form says next to a value out of range, e.g. "Choose between 1 and 10 sets."."""
    low, high, unit = DOSE_RANGES[name]
    return f"Choose between {low} and {high} {unit}."


def out_of_range(name: str, value: int | None) -> bool:
    low, high, _unit = DOSE_RANGES[name]
    return value is not None and not low <= value <= high


def _count(number: int, one: str, many: str | None = None) -> str:
    return f"{number} {one if number == 1 else (many or one + 's')}"


def per_set_text(reps: list[int]) -> str:
    """e.g. "3 sets: 12, then 10, then 8"; one set reads "1 set of 12"."""
    if len(reps) == 1:
        return f"1 set of {reps[0]}"
    return f"{len(reps)} sets: " + ", then ".join(str(number) for number in reps)


def reps_per_set_problem(reps: list[int], sets: int | None) -> str:
    """Why a list of repetitions per set cannot be used, or "" when it can."""
    low, high, _unit = DOSE_RANGES["reps"]
    if any(not low <= number <= high for number in reps):
        return f"Each set's repetitions must be between {low} and {high}."
    if sets is not None and len(reps) != sets:
        return f"Give one number for each of the {_count(sets, 'set')}."
    if len(reps) > DOSE_RANGES["sets"][1]:
        return f"Give at most {DOSE_RANGES['sets'][1]} sets."
    return ""


def dose_text(dose: Mapping, *, each_side: bool = False) -> str:
    """The structured dose in plain words, e.g. "2 sets of 10 · twice a day · every day".

    Empty when no field is set. `each_side` adds "each side" to the amount (a side-to-side or
    one-leg exercise). Zero or missing fields are left out.
    """
    sets, reps = dose.get("sets"), dose.get("reps")
    per_set = list(dose.get("reps_per_set") or ())
    amount = []
    if per_set and (not sets or sets == len(per_set)):
        amount.append(per_set_text(per_set))
    elif sets and reps:
        amount.append(f"{_count(sets, 'set')} of {reps}")
    elif reps:
        amount.append(_count(reps, "repetition"))
    elif sets:
        amount.append(_count(sets, "set"))
    if dose.get("hold_seconds"):
        amount.append(f"hold {_count(dose['hold_seconds'], 'second')}")
    if dose.get("duration_minutes"):
        amount.append(_count(dose["duration_minutes"], "minute"))
    if amount and each_side:
        amount[0] += " each side"
    times = dose.get("times_per_day")
    if times:
        amount.append({1: "once a day", 2: "twice a day"}.get(times, f"{times} times a day"))
    days = dose.get("days_per_week")
    if days:
        amount.append("every day" if days == 7 else f"{_count(days, 'day')} a week")
    return " · ".join(amount)


@dataclass(frozen=True)
class WholeDose:
    """What a patient reads for one exercise: the structured line and the library's note."""

    text: str
    note: str

    def __str__(self) -> str:
        """One line for plain text (the reminder email)."""
        if self.text and self.note:
            return f"{self.text}. {self.note}"
        return self.text or self.note


def whole_dose(entry: Mapping) -> WholeDose:
    """The whole dose of a plan snapshot entry, old versions included.

    Versions frozen before the note was shown beside the line stored the note as the line
    when no structured dose was set; that note is shown once.
    """
    text = (entry.get("dose_text") or "").strip()
    note = (entry.get("dose_note") or "").strip()
    if text == note:
        text = ""
    return WholeDose(text=text, note=note)
