"""The pure interval arithmetic behind working hours and free slots."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from bookings import schedule
from tests.bookings.factories import LONDON, at

BASE = dt.datetime(2026, 3, 24, tzinfo=dt.UTC)
NINE_TO_FIVE = [schedule.WeeklyBlock(weekday, dt.time(9), dt.time(17)) for weekday in range(7)]


def test_it_treats_touching_intervals_as_not_overlapping():
    assert not schedule.overlaps(
        (at("2026-03-24", "09:00"), at("2026-03-24", "10:00")),
        (at("2026-03-24", "10:00"), at("2026-03-24", "10:30")),
    )
    assert schedule.overlaps(
        (at("2026-03-24", "09:00"), at("2026-03-24", "10:01")),
        (at("2026-03-24", "10:00"), at("2026-03-24", "10:30")),
    )


def test_it_keeps_local_hours_across_the_spring_clock_change():
    intervals = schedule.working_intervals(
        first=dt.date(2026, 3, 28),
        last=dt.date(2026, 3, 29),
        weekly=NINE_TO_FIVE,
        exceptions=[],
        zone=LONDON,
    )
    # 09:00 in London is 09:00 UTC on Saturday (GMT) and 08:00 UTC on Sunday (BST).
    assert [start.astimezone(dt.UTC).hour for start, _ in intervals] == [9, 8]
    assert [(end - start) for start, end in intervals] == [dt.timedelta(hours=8)] * 2


def test_it_keeps_local_hours_across_the_autumn_clock_change():
    intervals = schedule.working_intervals(
        first=dt.date(2026, 10, 24),
        last=dt.date(2026, 10, 25),
        weekly=NINE_TO_FIVE,
        exceptions=[],
        zone=LONDON,
    )
    assert [start.astimezone(dt.UTC).hour for start, _ in intervals] == [8, 9]


def test_it_adds_extra_hours_and_removes_leave():
    intervals = schedule.working_intervals(
        first=dt.date(2026, 3, 24),
        last=dt.date(2026, 3, 24),
        weekly=NINE_TO_FIVE,
        exceptions=[
            schedule.Change(False, at("2026-03-24", "12:00"), at("2026-03-24", "13:00")),
            schedule.Change(True, at("2026-03-24", "17:00"), at("2026-03-24", "19:00")),
        ],
        zone=LONDON,
    )
    assert intervals == [
        (at("2026-03-24", "09:00"), at("2026-03-24", "12:00")),
        (at("2026-03-24", "13:00"), at("2026-03-24", "19:00")),
    ]


def test_it_finds_the_first_start_on_the_quarter_hour_grid():
    free = [(at("2026-03-24", "09:07"), at("2026-03-24", "10:00"))]
    start = schedule.first_fit(
        free,
        length=dt.timedelta(minutes=30),
        not_before=at("2026-03-24", "08:00"),
        step=dt.timedelta(minutes=15),
        zone=LONDON,
    )
    assert start == at("2026-03-24", "09:15")


def test_it_finds_nothing_when_the_gap_is_too_short():
    free = [(at("2026-03-24", "09:00"), at("2026-03-24", "09:25"))]
    assert (
        schedule.first_fit(
            free,
            length=dt.timedelta(minutes=30),
            not_before=at("2026-03-24", "08:00"),
            step=dt.timedelta(minutes=15),
            zone=LONDON,
        )
        is None
    )


minutes = st.integers(min_value=0, max_value=24 * 60)
spans = st.tuples(minutes, st.integers(min_value=1, max_value=240)).map(
    lambda pair: (BASE + dt.timedelta(minutes=pair[0]), BASE + dt.timedelta(minutes=sum(pair)))
)


@given(a=spans, b=spans)
def test_it_calls_two_spans_overlapping_exactly_when_they_share_a_minute(a, b):
    shared = min(a[1], b[1]) - max(a[0], b[0])
    assert schedule.overlaps(a, b) is (shared > dt.timedelta(0))
    assert schedule.overlaps(a, b) is schedule.overlaps(b, a)


@given(free=st.lists(spans, max_size=5), holes=st.lists(spans, max_size=5))
def test_it_leaves_only_free_time_outside_every_hole(free, holes):
    left = schedule.subtract(free, holes)
    for piece in left:
        assert piece[0] < piece[1]
        assert schedule.covers(free, piece)
        assert not any(schedule.overlaps(piece, hole) for hole in holes)
