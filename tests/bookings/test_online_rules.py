"""The clinic's online-booking rules as a table: no database, no request."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from bookings.online import rules

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
NOW = dt.datetime(2026, 3, 23, 12, 0, tzinfo=dt.UTC)  # Monday; clocks go forward Sunday 29th
LIMITS = rules.Limits(minimum_notice=dt.timedelta(hours=24), horizon_days=60)


def london(day: str, hhmm: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=LONDON).astimezone(dt.UTC)


@pytest.mark.parametrize(
    ("start", "refused_because"),
    [
        (NOW - dt.timedelta(minutes=1), "already passed"),
        (NOW, "already passed"),
        (NOW + dt.timedelta(hours=23, minutes=59), "24 hours' notice"),
        (NOW + dt.timedelta(hours=24), None),
        (london("2026-03-29", "09:00"), None),  # the morning the clocks go forward
        (london("2026-05-22", "16:45"), None),  # the last day: today plus 60 days
        (london("2026-05-23", "00:00"), "60 days ahead"),
        (london("2026-12-01", "10:00"), "60 days ahead"),
    ],
)
def test_it_judges_the_start_of_a_slot(start, refused_because):
    problem = rules.start_problem(start=start, now=NOW, limits=LIMITS, zone=LONDON)
    if refused_because is None:
        assert problem is None
    else:
        assert refused_because in problem


def test_it_counts_the_horizon_in_the_patients_own_days():
    """Midnight after the last day is later in New York than in London."""
    assert LIMITS.latest(NOW, LONDON) == london("2026-05-23", "00:00")
    assert LIMITS.latest(NOW, NEW_YORK) == dt.datetime(2026, 5, 23, 4, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("hours_to_go", "may_change"),
    [(72, True), (24, True), (23.99, False), (1, False), (-1, False)],
)
def test_it_closes_online_changes_inside_the_late_window(hours_to_go, may_change):
    start = NOW + dt.timedelta(hours=hours_to_go)
    assert (
        rules.may_change_online(start=start, now=NOW, late_window=dt.timedelta(hours=24))
        is may_change
    )


@pytest.mark.parametrize(
    ("open_episode", "assessed", "refused_because"),
    [
        (True, True, None),
        (True, False, "after your first assessment"),
        (False, True, "no treatment under way"),
        (False, False, "no treatment under way"),
    ],
)
def test_it_keeps_online_booking_for_patients_under_treatment(
    open_episode, assessed, refused_because
):
    problem = rules.eligibility_problem(rules.Standing(open_episode, assessed))
    if refused_because is None:
        assert problem is None
    else:
        assert refused_because in problem


@pytest.mark.parametrize(("open_episode", "assessed"), [(True, True), (True, False), (False, True)])
def test_it_pauses_online_booking_while_a_red_flag_referral_is_open(open_episode, assessed):
    problem = rules.eligibility_problem(
        rules.Standing(open_episode, assessed, urgent_referral_open=True)
    )
    assert "paused" in problem
    assert "medical advice" in problem


def test_it_pages_weeks_of_the_patients_days_across_a_clock_change():
    week = rules.week(index=0, now=NOW, limits=LIMITS, zone=LONDON)
    assert (week.first, week.last) == (dt.date(2026, 3, 23), dt.date(2026, 3, 29))
    assert week.start == london("2026-03-23", "00:00")
    # Sunday 29 March is 23 hours long: the week ends at midnight BST, 23:00 UTC.
    assert week.end == dt.datetime(2026, 3, 29, 23, 0, tzinfo=dt.UTC)
    assert (week.has_previous, week.has_next) == (False, True)


def test_it_clamps_the_week_page_to_the_horizon():
    last = rules.week(index=99, now=NOW, limits=LIMITS, zone=LONDON)
    assert last.index == 8  # 60 days: eight full weeks and the start of a ninth
    assert last.last == dt.date(2026, 5, 22)
    assert (last.has_previous, last.has_next) == (True, False)


@pytest.mark.parametrize(
    ("raw", "index"), [(None, 0), ("", 0), ("3", 3), ("-2", 0), ("x", 0), ("9" * 40, 53)]
)
def test_it_reads_any_week_parameter(raw, index):
    assert rules.parse_week(raw) == index
