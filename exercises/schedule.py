"""On which days each exercise of a plan is due: pure Python, no ORM.

A published plan item carries its schedule (the "schedule" key of `PlanVersion.items`), one of:

* ``{"weekdays": [0, 3]}``: the days of the week the therapist chose (0 is Monday);
* ``{"every_n_days": 3}``: every N days as the therapist chose, counted from the plan's start
  (the start day is the first due day);
* ``{"days_per_week": 2, "min_rest_days": 2}``: the therapist chose no days, so the site
  spreads the days per week over the week from the plan's start (`spread`), never closer than
  the exercise's rest days allow.

Items of versions published before schedules existed have no schedule: they are due every day,
as they were then.

Rest days (`min_rest_days`, a library fact) are the whole days an exercise needs between two
sessions: 1 means never two days in a row, 2 means at most every third day.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping, Sequence

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MAX_EVERY_N_DAYS = 28


def max_days_per_week(min_rest_days: int) -> int:
    """The most days a week an exercise can be due while keeping its rest days."""
    return 7 // (min_rest_days + 1)


def spread(days_per_week: int | None, min_rest_days: int, start: dt.date) -> tuple[int, ...]:
    """The weekdays (0 is Monday) for `days_per_week` sessions as evenly apart as a week allows,
    the first on the start's weekday. More days than the rest days allow are cut to the most
    that keep them: the rest rule wins over the count."""
    return _spread_from(days_per_week, min_rest_days, start.weekday())


@functools.lru_cache(maxsize=256)
def _spread_from(days_per_week: int | None, min_rest_days: int, first: int) -> tuple[int, ...]:
    # Worked out once per process for each of the few combinations: the portal home asks for
    # every item on every view, and up to 28 times for an item not due today (`next_due`).
    days = min(days_per_week or 7, 7, max_days_per_week(min_rest_days))
    offsets = {int(index * 7 / days + 0.5) for index in range(days)}
    return tuple(sorted((first + offset) % 7 for offset in offsets))


def schedule_of(
    *,
    weekdays: Sequence[int] = (),
    every_n_days: int | None = None,
    days_per_week: int | None,
    min_rest_days: int,
) -> dict:
    """The schedule a plan item is published with: the therapist's choice, else the spread."""
    if weekdays:
        return {"weekdays": sorted(set(weekdays))}
    if every_n_days:
        return {"every_n_days": every_n_days}
    return {"days_per_week": days_per_week or 7, "min_rest_days": min_rest_days}


def _weekdays(schedule: Mapping, plan_start: dt.date) -> Sequence[int]:
    if "weekdays" in schedule:
        return schedule["weekdays"]
    return spread(schedule.get("days_per_week"), schedule.get("min_rest_days") or 0, plan_start)


def is_due(item: Mapping, plan_start: dt.date | None, day: dt.date) -> bool:
    """Is this published item due on `day` (the patient's local date)?"""
    schedule = item.get("schedule")
    if not schedule or plan_start is None:
        return True  # published before schedules: every day, as then
    if day < plan_start:
        return False
    every = schedule.get("every_n_days")
    if every:
        return (day - plan_start).days % every == 0
    return day.weekday() in _weekdays(schedule, plan_start)


def next_due(item: Mapping, plan_start: dt.date | None, after: dt.date) -> dt.date | None:
    """The first day after `after` the item is due (None if it never is within four weeks)."""
    for offset in range(1, MAX_EVERY_N_DAYS + 1):
        day = after + dt.timedelta(days=offset)
        if is_due(item, plan_start, day):
            return day
    return None


def due_dates(
    item: Mapping, plan_start: dt.date | None, first: dt.date, last: dt.date
) -> frozenset[dt.date]:
    """The days from `first` to `last` (both included) the item is due."""
    days = ((first + dt.timedelta(days=n)) for n in range((last - first).days + 1))
    return frozenset(day for day in days if is_due(item, plan_start, day))


def _day_list(names: Iterable[str]) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def describe(item: Mapping, plan_start: dt.date | None) -> str:
    """The item's days in plain words: "Every day", "Mondays and Thursdays", "Every 3 days"."""
    schedule = item.get("schedule")
    if not schedule:
        return "Every day"
    every = schedule.get("every_n_days")
    if every:
        return "Every day" if every == 1 else f"Every {every} days"
    if plan_start is None and "weekdays" not in schedule:
        days = min(schedule.get("days_per_week") or 7, 7)
        return "Every day" if days == 7 else f"{days} days a week, spread out"
    weekdays = _weekdays(schedule, plan_start)
    if len(weekdays) == 7:
        return "Every day"
    return _day_list(f"{WEEKDAYS[day]}s" for day in weekdays)


def rest_text(min_rest_days: int) -> str:
    """The rest an exercise needs in plain words, "" when none: e.g. "At least 1 rest day
    between sessions: never two days in a row, so 3 days a week at most"."""
    if not min_rest_days:
        return ""
    pattern = {1: "never two days in a row", 2: "every third day at most"}.get(
        min_rest_days, f"at most one day in every {min_rest_days + 1}"
    )
    rest = "1 rest day" if min_rest_days == 1 else f"{min_rest_days} rest days"
    most = max_days_per_week(min_rest_days)
    week = f"{most} day{'s' if most != 1 else ''} a week at most"
    return f"At least {rest} between sessions: {pattern}, so {week}"


def _rest_words(min_rest_days: int) -> str:
    rest = "1 rest day" if min_rest_days == 1 else f"{min_rest_days} rest days"
    return f"This exercise needs at least {rest} between sessions"


def rest_problem(
    *,
    min_rest_days: int,
    weekdays: Sequence[int] = (),
    every_n_days: int | None = None,
    days_per_week: int | None = None,
) -> str | None:
    """Why a therapist's choice of days breaks the exercise's rest days, or None if it keeps
    them. Weekdays repeat every week, so Sunday and the next Monday count as in a row."""
    if not min_rest_days:
        return None
    if weekdays:
        days = sorted(set(weekdays))
        pairs = list(zip(days, [*days[1:], days[0] + 7], strict=True))
        for first, second in pairs:
            if second - first - 1 < min_rest_days:
                return (
                    f"{_rest_words(min_rest_days)}: {WEEKDAYS[first]} and "
                    f"{WEEKDAYS[second % 7]} are too close together."
                )
        return None
    if every_n_days:
        if every_n_days - 1 < min_rest_days:
            return f"{_rest_words(min_rest_days)}: choose every {min_rest_days + 1} days or more."
        return None
    most = max_days_per_week(min_rest_days)
    if days_per_week and days_per_week > most:
        return f"{_rest_words(min_rest_days)}: choose at most {most} days a week."
    return None


def days_problem(
    *,
    min_rest_days: int,
    weekdays: Sequence[int],
    every_n_days: int | None,
    days_per_week: int | None,
    library_days_per_week: int | None,
) -> tuple[str, str] | None:
    """(field, message) when a plan item's days do not fit, else None: weekdays and every N
    days together, weekdays that disagree with the days per week typed, or days that break the
    exercise's rest days (`days_per_week` empty means the library's)."""
    if weekdays and every_n_days:
        return "every_n_days", "Choose weekdays or every few days, not both."
    if weekdays and days_per_week and len(set(weekdays)) != days_per_week:
        return "weekdays", (
            f"{len(set(weekdays))} weekdays chosen but {days_per_week} days a week: make them "
            "agree, or leave days a week empty."
        )
    problem = rest_problem(
        min_rest_days=min_rest_days,
        weekdays=weekdays,
        every_n_days=every_n_days,
        days_per_week=days_per_week or library_days_per_week,
    )
    if problem is None:
        return None
    field = "weekdays" if weekdays else "every_n_days" if every_n_days else "days_per_week"
    return field, problem


def with_days(items: Iterable[Mapping], plan_start: dt.date | None) -> list[dict]:
    """Copies of published items with their days in words added (`days_text`), for pages."""
    return [{**item, "days_text": describe(item, plan_start)} for item in items]


def _next_words(next_on: dt.date | None, day: dt.date) -> str:
    if next_on is None:
        return ""
    if next_on == day + dt.timedelta(days=1):
        return f"{WEEKDAYS[next_on.weekday()]} (tomorrow)"
    if next_on < day + dt.timedelta(days=7):
        return WEEKDAYS[next_on.weekday()]
    return f"{WEEKDAYS[next_on.weekday()]} {next_on.day} {next_on:%B}"


def split_day(
    items: Sequence[Mapping], plan_start: dt.date | None, day: dt.date
) -> tuple[list[dict], list[dict]]:
    """(due, not due) on `day`: copies of the items with `days_text`; those not due also carry
    `next_on`, the next day they are due (None if none within four weeks), and `next_text`,
    that day in words: "Thursday" within the coming week, else "Thursday 17 December"."""
    due, later = [], []
    for item in with_days(items, plan_start):
        if is_due(item, plan_start, day):
            due.append(item)
        else:
            next_on = next_due(item, plan_start, day)
            later.append({**item, "next_on": next_on, "next_text": _next_words(next_on, day)})
    return due, later
