"""Who on the waitlist suits a freed slot, and in which order: plain Python, no ORM.

A freed gap is a stretch of one therapist's time. A candidate suits it when their therapist
is that one (or anyone), their appointment fits inside the gap at a start on the booking grid,
and that start falls on a day, in a part of the day and between dates they said suit them.
Suitable candidates go most urgent first, then longest waiting, then first entered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from zoneinfo import ZoneInfo

#: Parts of the day by local start time, [from, until): the same as reception's slot search.
PERIODS: dict[str, tuple[dt.time, dt.time | None]] = {
    "morning": (dt.time(0, 0), dt.time(12, 0)),
    "afternoon": (dt.time(12, 0), dt.time(17, 0)),
    "evening": (dt.time(17, 0), None),
}
STEP = dt.timedelta(minutes=15)


@dataclass(frozen=True)
class Gap:
    therapist_id: int
    start: dt.datetime
    end: dt.datetime


@dataclass(frozen=True)
class Candidate:
    entry_id: int
    patient_id: int
    therapist_id: int | None
    length: dt.timedelta
    days: frozenset[int]  # empty: any day
    periods: frozenset[str]  # empty: any time
    available_from: dt.date
    available_until: dt.date | None
    urgency_rank: int
    waiting_since: dt.datetime


@dataclass(frozen=True)
class Match:
    candidate: Candidate
    start: dt.datetime
    end: dt.datetime


def in_period(local: dt.datetime, period: str) -> bool:
    begins, ends = PERIODS[period]
    return begins <= local.time() and (ends is None or local.time() < ends)


def _starts(gap: Gap, length: dt.timedelta, zone: ZoneInfo) -> Iterator[dt.datetime]:
    """Starts on the 15-minute grid (from local midnight) where `length` fits in the gap."""
    local = gap.start.astimezone(zone)
    midnight = dt.datetime.combine(local.date(), dt.time(0), tzinfo=zone)
    remainder = (local - midnight) % STEP
    start = gap.start + (STEP - remainder if remainder else dt.timedelta(0))
    while start + length <= gap.end:
        yield start
        start += STEP


def first_start(candidate: Candidate, gap: Gap, zone: ZoneInfo) -> dt.datetime | None:
    """The earliest start in the gap that suits the candidate, or None."""
    if candidate.therapist_id not in (None, gap.therapist_id):
        return None
    for start in _starts(gap, candidate.length, zone):
        local = start.astimezone(zone)
        if local.date() < candidate.available_from:
            continue
        if candidate.available_until is not None and local.date() > candidate.available_until:
            return None  # later starts are later still
        if candidate.days and local.weekday() not in candidate.days:
            continue
        if candidate.periods and not any(in_period(local, p) for p in candidate.periods):
            continue
        return start
    return None


def priority(candidate: Candidate) -> tuple:
    return (-candidate.urgency_rank, candidate.waiting_since, candidate.entry_id)


def ranked(candidates: Iterable[Candidate], gap: Gap, zone: ZoneInfo) -> list[Match]:
    """Every candidate the gap suits, in the order they are offered it."""
    matches = []
    for candidate in sorted(candidates, key=priority):
        start = first_start(candidate, gap, zone)
        if start is not None:
            matches.append(Match(candidate, start, start + candidate.length))
    return matches
