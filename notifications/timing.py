"""When reminders fall due: pure functions of local settings and a moment, no ORM.

Times are the patient's wall-clock times in their IANA zone. A wall time that does not exist
(the hour skipped when clocks go forward) resolves to the same instant as the offset before
the change, i.e. one hour later on the new clock; a wall time that happens twice (clocks go
back) resolves to its first occurrence only. A reminder's identity is the local date and
wall-clock time at which it is actually due, so each happens at most once per day and slot.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

UTC = dt.UTC
# How far ahead to look for the next reminder: a week covers every weekday pattern, plus
# slack for quiet hours that push a reminder into the next day.
_HORIZON_DAYS = 9


@dataclass(frozen=True)
class Occurrence:
    due_at: dt.datetime  # aware, UTC
    local_date: dt.date
    slot: dt.time


def in_quiet_hours(moment: dt.time, quiet: tuple[dt.time, dt.time]) -> bool:
    start, end = quiet
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end  # quiet hours across midnight


def _shift_out_of_quiet(
    day: dt.date, moment: dt.time, quiet: tuple[dt.time, dt.time] | None
) -> tuple[dt.date, dt.time]:
    """A reminder in quiet hours moves to the moment they end."""
    if quiet is None or not in_quiet_hours(moment, quiet):
        return day, moment
    start, end = quiet
    if start > end and moment >= start:  # evening part of an overnight quiet period
        return day + dt.timedelta(days=1), end
    return day, end


def occurrence_at(instant: dt.datetime, zone: ZoneInfo) -> Occurrence:
    """The reminder identity (local date and wall-clock slot) of a UTC instant."""
    local = instant.astimezone(zone)
    return Occurrence(
        due_at=instant.astimezone(UTC),
        local_date=local.date(),
        slot=local.time().replace(second=0, microsecond=0),
    )


def resolve(
    day: dt.date, moment: dt.time, zone: ZoneInfo, quiet: tuple[dt.time, dt.time] | None
) -> Occurrence:
    """The occurrence for a configured local day and time, after quiet hours and DST.

    A time in the hour the clocks skip lands an hour later, possibly inside quiet hours: then
    it moves once more, to their end.
    """
    for _ in range(2):
        day, moment = _shift_out_of_quiet(day, moment, quiet)
        instant = dt.datetime.combine(day, moment, tzinfo=zone)  # fold=0: the first of two
        occurrence = occurrence_at(instant.astimezone(UTC), zone)
        if quiet is None or not in_quiet_hours(occurrence.slot, quiet):
            break
        day, moment = occurrence.local_date, occurrence.slot
    return occurrence


def resolve_once(
    instant: dt.datetime, zone: ZoneInfo, quiet: tuple[dt.time, dt.time] | None
) -> Occurrence:
    local = instant.astimezone(zone)
    if quiet is None or not in_quiet_hours(local.time(), quiet):
        return occurrence_at(instant, zone)
    return resolve(local.date(), local.time(), zone, quiet)


def next_occurrence(
    *,
    after: dt.datetime,
    zone: ZoneInfo,
    times: Sequence[dt.time] = (),
    weekdays: int = 0b1111111,
    quiet: tuple[dt.time, dt.time] | None = None,
    paused_until: dt.date | None = None,
    once_at: dt.datetime | None = None,
) -> Occurrence | None:
    """The first reminder strictly after `after`, or None when there is none to come.

    Weekdays and the pause apply to the configured day, before quiet hours move a reminder.
    """
    if once_at is not None:
        occurrence = resolve_once(once_at, zone, quiet)
        if paused_until is not None and occurrence.local_date <= paused_until:
            return None
        return occurrence if occurrence.due_at > after else None
    if not times or not weekdays:
        return None
    first_day = after.astimezone(zone).date() - dt.timedelta(days=1)
    if paused_until is not None:
        first_day = max(first_day, paused_until + dt.timedelta(days=1))
    best: Occurrence | None = None
    for offset in range(_HORIZON_DAYS):
        day = first_day + dt.timedelta(days=offset)
        if not weekdays & (1 << day.weekday()):
            continue
        for moment in times:
            occurrence = resolve(day, moment, zone, quiet)
            if occurrence.due_at > after and (best is None or occurrence.due_at < best.due_at):
                best = occurrence
        if best is not None and best.local_date < day:
            break
    return best


def occurrences_between(
    *, start: dt.datetime, end: dt.datetime, **settings
) -> Iterator[Occurrence]:
    """Every occurrence in the half-open window (start, end], in order."""
    current = start
    while True:
        occurrence = next_occurrence(after=current, **settings)
        if occurrence is None or occurrence.due_at > end:
            return
        yield occurrence
        current = occurrence.due_at
