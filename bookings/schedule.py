"""Pure time arithmetic for schedules: no ORM, no request.

An interval is a `(start, end)` pair of aware datetimes, half-open: it contains `start` and
excludes `end`, so back-to-back intervals never overlap. Weekly hours are wall-clock times in
a named zone; turning them into aware datetimes day by day is what keeps a 09:00 start at
09:00 across daylight-saving changes.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

Interval = tuple[dt.datetime, dt.datetime]


@dataclass(frozen=True)
class WeeklyBlock:
    weekday: int  # Monday is 0
    start_time: dt.time
    end_time: dt.time


@dataclass(frozen=True)
class Change:
    """A one-off change to the regular week (extra hours, leave or blocked time)."""

    adds_time: bool  # extra hours add time; leave and blocked time remove it
    start: dt.datetime
    end: dt.datetime


def local_midnight(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    # The zone passed by position: `combine` parses a keyword argument at about twice the cost.
    return dt.datetime.combine(day, dt.time.min, zone)


def utc(value: dt.datetime) -> dt.datetime:
    """Aware datetimes sharing one tzinfo compare and add by wall clock, ignoring `fold`;
    in UTC, arithmetic and comparison are real elapsed time. Intervals are kept in UTC."""
    return value.astimezone(dt.UTC)


def day_bounds(day: dt.date, zone: ZoneInfo) -> Interval:
    """The local day as an interval; 23 or 25 hours long on daylight-saving days."""
    return utc(local_midnight(day, zone)), utc(local_midnight(day + dt.timedelta(days=1), zone))


@functools.lru_cache(maxsize=1024)
def day_edges(
    first: dt.date, last: dt.date, zone: ZoneInfo
) -> tuple[tuple[dt.date, ...], tuple[dt.datetime, ...], tuple[float, ...]]:
    """The local days from `first` to `last` (inclusive), their bounds in UTC (each day's
    `day_bounds`, a day's end being the next day's start: one more bound than days) and the
    same bounds as seconds since 1970. Depends on nothing but its arguments, so it is kept per
    process: the calendars ask for the same weeks again and again."""
    shown = tuple(days(first, last))
    edges = tuple(utc(local_midnight(day, zone)) for day in (*shown, last + dt.timedelta(days=1)))
    return shown, edges, tuple(edge.timestamp() for edge in edges)


@functools.lru_cache(maxsize=2048)
def working_days(
    working: tuple[Interval, ...], first: dt.date, last: dt.date, zone: ZoneInfo
) -> tuple[tuple[tuple[Interval, ...], tuple[Interval, ...]], ...]:
    """For each local day from `first` to `last`: the intervals of `working` (UTC, merged, in
    order) that meet it, in UTC and as local times of `zone` (whole, not cut at midnight).
    Kept per process under exactly its arguments (the intervals as worked out from this
    view's rows are part of the key, so changed hours are another key): a calendar's week
    drawn again skips a conversion to `zone` for each end of each interval of each day."""
    _, edges, _ = day_edges(first, last, zone)
    found = []
    for begins, ends in itertools.pairwise(edges):
        inside = tuple(
            (start, end)
            for start, end in working
            if start < ends and begins < end  # overlaps, inline
        )
        found.append(
            (inside, tuple((start.astimezone(zone), end.astimezone(zone)) for start, end in inside))
        )
    return tuple(found)


def days(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


def overlaps(a: Interval, b: Interval) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, with overlapping or touching intervals joined."""
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def subtract(intervals: Iterable[Interval], holes: Iterable[Interval]) -> list[Interval]:
    result = merge(intervals)
    for hole_start, hole_end in merge(holes):
        remaining: list[Interval] = []
        for start, end in result:
            if hole_end <= start or end <= hole_start:
                remaining.append((start, end))
                continue
            if start < hole_start:
                remaining.append((start, hole_start))
            if hole_end < end:
                remaining.append((hole_end, end))
        result = remaining
    return result


def clip(intervals: Iterable[Interval], window: Interval) -> list[Interval]:
    """The parts of `intervals` inside `window`."""
    # What `max(start, low)` and `min(end, high)` give (the first argument unless the second is
    # strictly beyond it), by comparison: the builtins parse their arguments on every call.
    low, high = window
    return [
        (low if low > start else start, high if high < end else end)
        for start, end in intervals
        if start < high and low < end  # overlaps((start, end), window), inline
    ]


def covers(intervals: Iterable[Interval], wanted: Interval) -> bool:
    return any(start <= wanted[0] and wanted[1] <= end for start, end in merge(intervals))


def working_intervals(
    *,
    first: dt.date,
    last: dt.date,
    weekly: Iterable[WeeklyBlock],
    exceptions: Iterable[Change],
    zone: ZoneInfo,
    closed: Collection[dt.date] = (),
) -> list[Interval]:
    """When a therapist works between two local dates (inclusive): regular weekly blocks,
    except on `closed` days (public holidays), plus extra hours, minus leave and blocked
    time. Extra hours count on a closed day too: that is how a clinic opens on one."""
    weekly = list(weekly)
    exceptions = list(exceptions)
    regular: list[Interval] = []
    for day in days(first, last):
        if day in closed:
            continue
        weekday = day.weekday()
        for block in weekly:
            if block.weekday == weekday:
                # The zone by position, as in `local_midnight`.
                regular.append(
                    (
                        utc(dt.datetime.combine(day, block.start_time, zone)),
                        utc(dt.datetime.combine(day, block.end_time, zone)),
                    )
                )
    extra = [(utc(e.start), utc(e.end)) for e in exceptions if e.adds_time]
    removed = [(utc(e.start), utc(e.end)) for e in exceptions if not e.adds_time]
    window = (day_bounds(first, zone)[0], day_bounds(last, zone)[1])
    clipped_extra = [
        (max(s, window[0]), min(e, window[1])) for s, e in extra if overlaps((s, e), window)
    ]
    return subtract(regular + clipped_extra, removed)


def fitting_starts(
    free: Iterable[Interval],
    *,
    length: dt.timedelta,
    not_before: dt.datetime,
    step: dt.timedelta,
    zone: ZoneInfo,
) -> Iterator[dt.datetime]:
    """Every start on a `step` grid (counted from local midnight) where `length` fits,
    earliest first: with a 15-minute step and a 30-minute length, a gap from 14:45 to 16:00
    offers 14:45, 15:00, 15:15 and 15:30."""
    for start, end in merge((utc(s), utc(e)) for s, e in free):
        start = max(start, utc(not_before))
        local = start.astimezone(zone)
        # Same-zone subtraction is wall-clock time, so the grid stays on :00/:15/:30/:45
        # even on a daylight-saving day.
        remainder = (local - local_midnight(local.date(), zone)) % step
        if remainder:
            start = start + (step - remainder)
        while start + length <= end:
            yield start
            start = start + step


def first_fit(
    free: Iterable[Interval],
    *,
    length: dt.timedelta,
    not_before: dt.datetime,
    step: dt.timedelta,
    zone: ZoneInfo,
) -> dt.datetime | None:
    """The earliest start on the grid that fits `length`, or None."""
    return next(
        fitting_starts(free, length=length, not_before=not_before, step=step, zone=zone), None
    )
