"""The clinic's rules for online booking, as pure functions: no ORM, no request.

Every time is an aware datetime; comparisons are made in UTC so that a slot on the day the
clocks change is judged by real elapsed time. "Today" and the week pages are the patient's
own local days (their IANA zone), since that is the calendar they read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

#: The most week pages a patient can step through (a horizon of 365 days needs 53).
MAX_WEEKS = 53


@dataclass(frozen=True)
class Limits:
    """What the clinic allows: the earliest and latest start a patient may book online."""

    minimum_notice: dt.timedelta
    horizon_days: int

    @property
    def notice_hours(self) -> int:
        return int(self.minimum_notice.total_seconds() // 3600)

    def earliest(self, now: dt.datetime) -> dt.datetime:
        return now + self.minimum_notice

    def latest(self, now: dt.datetime, zone: ZoneInfo) -> dt.datetime:
        """The end of the patient's local day `horizon_days` after today."""
        last_day = now.astimezone(zone).date() + dt.timedelta(days=self.horizon_days)
        return _midnight_after(last_day, zone)


def _midnight_after(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    following = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return following.astimezone(dt.UTC)


def start_problem(
    *, start: dt.datetime, now: dt.datetime, limits: Limits, zone: ZoneInfo
) -> str | None:
    """Why a patient may not book a slot starting at `start` online, or None if the timing
    is fine (whether the slot is free is the slot finder's and the database's business)."""
    if start <= now:
        return "That time has already passed. Please choose another."
    if start < limits.earliest(now):
        return (
            f"Online bookings need at least {limits.notice_hours} hours' notice. Please choose "
            "a later time, or phone the clinic for anything sooner."
        )
    if start >= limits.latest(now, zone):
        return (
            f"You can book up to {limits.horizon_days} days ahead online. Please choose an "
            "earlier time."
        )
    return None


def may_change_online(*, start: dt.datetime, now: dt.datetime, late_window: dt.timedelta) -> bool:
    """A patient may move or cancel online only before the late-cancellation window opens;
    inside it, they phone the clinic so their therapist knows."""
    return start - now >= late_window


@dataclass(frozen=True)
class Standing:
    """What the clinic knows of the patient, for deciding who may book follow-ups online."""

    has_open_episode: bool
    has_been_assessed: bool  # a finalised assessment, or an attended appointment
    # A confirmed red-flag referral is open (SPEC 3.9b, amendment 26): the patient must get
    # medical advice first, and the clinician decides when physiotherapy resumes.
    urgent_referral_open: bool = False


def eligibility_problem(standing: Standing) -> str | None:
    """Why the patient cannot book a follow-up online, or None. A follow-up needs a first
    assessment: new patients (or a new problem) start with the clinic, not online. While a
    red-flag referral is open no follow-up is booked online: the clinician decides when
    treatment resumes, and the notice at the top of the page says what to do meanwhile."""
    if standing.urgent_referral_open:
        return (
            "Online booking is paused while your therapist has asked you to get medical "
            "advice first (the message at the top of this page says how soon). We will "
            "arrange your next visit with you once that is done."
        )
    if not standing.has_open_episode:
        return (
            "Online booking is for follow-up visits during a course of treatment, and you "
            "have no treatment under way with us just now."
        )
    if not standing.has_been_assessed:
        return (
            "Online booking opens after your first assessment. Your first visit is "
            "arranged with the clinic so it can be long enough."
        )
    return None


@dataclass(frozen=True)
class Week:
    """One page of the slot list: seven of the patient's local days."""

    index: int
    first: dt.date
    last: dt.date
    start: dt.datetime  # UTC, the start of `first` in the patient's zone
    end: dt.datetime  # UTC, the end of `last`
    has_previous: bool
    has_next: bool


def week(*, index: int, now: dt.datetime, limits: Limits, zone: ZoneInfo) -> Week:
    """Week page `index` (0 = the seven days from the patient's today), clamped to the pages
    that can hold a bookable slot."""
    today = now.astimezone(zone).date()
    last_day = today + dt.timedelta(days=limits.horizon_days)
    pages = min((last_day - today).days // 7 + 1, MAX_WEEKS)
    index = max(0, min(index, pages - 1))
    first = today + dt.timedelta(days=7 * index)
    last = min(first + dt.timedelta(days=6), last_day)
    start = dt.datetime.combine(first, dt.time.min, tzinfo=zone).astimezone(dt.UTC)
    return Week(
        index=index,
        first=first,
        last=last,
        start=start,
        end=_midnight_after(last, zone),
        has_previous=index > 0,
        has_next=index < pages - 1,
    )


def parse_week(raw: str | None) -> int:
    """The week page from the query string; anything odd is the first page."""
    try:
        return max(0, min(int(raw or 0), MAX_WEEKS))
    except (TypeError, ValueError):
        return 0
