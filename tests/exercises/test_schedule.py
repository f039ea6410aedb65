"""When each exercise of a plan is due (exercises.schedule), as tables."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exercises import schedule
from exercises.adherence import doses_due, week_doses

D = dt.date
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def item(key="EX-A05", **sched):
    return {"key": key, "name": key, "dose": {"days_per_week": 2}, "schedule": sched or None}


def gaps(weekdays):
    days = sorted(weekdays)
    return [b - a for a, b in zip(days, [*days[1:], days[0] + 7], strict=True)]


@pytest.mark.parametrize(
    ("days", "rest", "start", "weekdays"),
    [
        (3, 1, D(2026, 11, 30), (MON, WED, SAT)),  # Diver from a Monday
        (2, 2, D(2026, 12, 3), (MON, THU)),  # Glider from a Thursday: Thu, then Mon
        (2, 1, D(2026, 12, 2), (WED, SUN)),  # one-leg hip hinge from a Wednesday
        (1, 1, D(2026, 12, 5), (SAT,)),  # Nordics once a week, from a Saturday
        (7, 1, D(2026, 11, 30), (MON, WED, SAT)),  # too many for the rest days: cut to 3
        (5, 2, D(2026, 11, 30), (MON, FRI)),  # every third day fits twice a week
        (None, 0, D(2026, 11, 30), (MON, TUE, WED, THU, FRI, SAT, SUN)),
        (7, 0, D(2026, 12, 3), (MON, TUE, WED, THU, FRI, SAT, SUN)),
    ],
)
def test_it_spreads_the_days_from_the_start(days, rest, start, weekdays):
    assert schedule.spread(days, rest, start) == weekdays


@given(
    days=st.integers(1, 7),
    rest=st.integers(0, 6),
    start=st.dates(D(2026, 1, 1), D(2026, 12, 31)),
)
def test_it_never_spreads_closer_than_the_rest_days(days, rest, start):
    weekdays = schedule.spread(days, rest, start)
    assert start.weekday() in weekdays  # the plan's first day is a day of the exercise
    assert len(weekdays) == min(days, 7 // (rest + 1))
    assert min(gaps(weekdays)) >= rest + 1


def test_it_makes_every_third_day_across_a_month():
    glider = item(every_n_days=3)
    start = D(2026, 12, 1)
    december = [D(2026, 12, day) for day in range(1, 32)]
    due = [day.day for day in december if schedule.is_due(glider, start, day)]
    assert due == [1, 4, 7, 10, 13, 16, 19, 22, 25, 28, 31]
    # and on into January, whatever the month's length
    assert schedule.next_due(glider, start, D(2026, 12, 31)) == D(2027, 1, 3)
    assert not schedule.is_due(glider, start, D(2026, 11, 28))  # before the start


@pytest.mark.parametrize(
    ("sched", "expected"),
    [
        # the plan starts on Wednesday 2 December: the week from Monday 30 November holds
        # only the days from the start
        ({"weekdays": [MON, WED]}, {D(2026, 12, 2)}),
        ({"weekdays": [MON, TUE]}, set()),
        ({"every_n_days": 3}, {D(2026, 12, 2), D(2026, 12, 5)}),
        ({"days_per_week": 2, "min_rest_days": 1}, {D(2026, 12, 2), D(2026, 12, 6)}),
        ({"days_per_week": 7, "min_rest_days": 0}, {D(2026, 12, day) for day in range(2, 7)}),
    ],
)
def test_it_counts_only_days_from_the_start_in_a_week_that_crosses_it(sched, expected):
    days = schedule.due_dates(item(**sched), D(2026, 12, 2), D(2026, 11, 30), D(2026, 12, 6))
    assert days == expected


def test_it_keeps_items_published_before_days_existed_due_every_day():
    old = {"key": "EX-A04", "name": "Askling Diver", "dose": {"days_per_week": 3}}
    start = D(2026, 12, 1)
    assert all(schedule.is_due(old, start, start + dt.timedelta(days=n)) for n in range(14))
    assert schedule.describe(old, start) == "Every day"


@pytest.mark.parametrize(
    ("choice", "rest", "expected"),
    [
        ({"weekdays": [MON, TUE]}, 1, ("weekdays", "Monday and Tuesday are too close")),
        ({"weekdays": [MON, WED, SUN]}, 1, ("weekdays", "Sunday and Monday are too close")),
        ({"weekdays": [MON, WED, FRI]}, 1, None),
        ({"weekdays": [MON, THU]}, 2, None),
        ({"weekdays": [MON, WED]}, 2, ("weekdays", "at least 2 rest days")),
        ({"every_n_days": 2}, 2, ("every_n_days", "every 3 days or more")),
        ({"every_n_days": 3}, 2, None),
        ({"days_per_week": 4}, 1, ("days_per_week", "at most 3 days a week")),
        ({"days_per_week": 7}, 0, None),
        ({"weekdays": [MON], "every_n_days": 3}, 0, ("every_n_days", "not both")),
        ({"weekdays": [MON, THU], "days_per_week": 3}, 0, ("weekdays", "make them agree")),
        ({}, 1, ("days_per_week", "at most 3 days a week")),  # the library's 7 for Diver
    ],
)
def test_it_refuses_days_that_break_the_rest_rule(choice, rest, expected):
    problem = schedule.days_problem(
        min_rest_days=rest,
        weekdays=choice.get("weekdays", ()),
        every_n_days=choice.get("every_n_days"),
        days_per_week=choice.get("days_per_week"),
        library_days_per_week=7,
    )
    if expected is None:
        assert problem is None
    else:
        assert problem[0] == expected[0]
        assert expected[1] in problem[1]


@pytest.mark.parametrize(
    ("sched", "words"),
    [
        ({"weekdays": [MON, THU]}, "Mondays and Thursdays"),
        ({"weekdays": [MON, WED, FRI]}, "Mondays, Wednesdays and Fridays"),
        ({"every_n_days": 3}, "Every 3 days"),
        ({"every_n_days": 1}, "Every day"),
        ({"days_per_week": 2, "min_rest_days": 2}, "Tuesdays and Saturdays"),
        ({"days_per_week": 7, "min_rest_days": 0}, "Every day"),
    ],
)
def test_it_says_the_days_in_words(sched, words):
    assert schedule.describe(item(**sched), D(2026, 12, 1)) == words  # a Tuesday


def test_it_says_when_an_item_not_due_today_is_next_due():
    items = [item("EX-A05", every_n_days=3), item("EX-N01", days_per_week=7, min_rest_days=0)]
    due, later = schedule.split_day(items, D(2026, 12, 1), D(2026, 12, 2))
    assert [entry["key"] for entry in due] == ["EX-N01"]
    assert (later[0]["key"], later[0]["next_on"], later[0]["next_text"]) == (
        "EX-A05",
        D(2026, 12, 4),
        "Friday",
    )
    _, later = schedule.split_day(items, D(2026, 12, 1), D(2026, 12, 3))
    assert later[0]["next_text"] == "Friday (tomorrow)"


def test_it_counts_adherence_only_on_the_days_due():
    items = [item("EX-A05", every_n_days=3), item("EX-N01", days_per_week=7, min_rest_days=0)]
    start = D(2026, 12, 1)
    due = doses_due(items=items, sessions_per_week=7, plan_start=start, week_start=start)
    assert due["EX-A05"] == {D(2026, 12, 1), D(2026, 12, 4), D(2026, 12, 7)}
    assert len(due["EX-N01"]) == 7
    # Glider done every day of the week: only its three due days count, and 3 of 10 are due
    done_on = {start + dt.timedelta(days=n): {"EX-A05"} for n in range(7)}
    assert week_doses(due=due, done_on=done_on) == (3, 10)
    # the plan ends on Saturday 5 December: Monday 7th is no longer due
    ended = doses_due(
        items=items,
        sessions_per_week=7,
        plan_start=start,
        week_start=start,
        end_date=D(2026, 12, 5),
    )
    assert ended["EX-A05"] == {D(2026, 12, 1), D(2026, 12, 4)}
