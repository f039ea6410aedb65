"""The week's layout clamps values by comparison where it called the `min` and `max` builtins
(stop 42: each call parsed its arguments, four an appointment): the results must be what the
builtins gave, down to which of two equal values comes back (an aware datetime equal to
another in a different zone is not the same value when printed)."""

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from bookings import grid, schedule

BASE = dt.datetime(2026, 10, 24, tzinfo=dt.UTC)
LONDON = ZoneInfo("Europe/London")

minutes = st.integers(min_value=0, max_value=3 * 24 * 60)
instants = minutes.map(lambda n: BASE + dt.timedelta(minutes=n))
# The same instant, now and then written in London's time: equal, but not the same value.
either_zone = st.tuples(instants, st.booleans()).map(
    lambda pair: pair[0].astimezone(LONDON) if pair[1] else pair[0]
)
spans = st.tuples(either_zone, st.integers(min_value=1, max_value=600)).map(
    lambda pair: (pair[0], pair[0] + dt.timedelta(minutes=pair[1]))
)


def clip_as_before(intervals, window):
    return [
        (max(start, window[0]), min(end, window[1]))
        for start, end in intervals
        if schedule.overlaps((start, end), window)
    ]


@given(intervals=st.lists(spans, max_size=8), window=spans)
def test_it_clips_intervals_as_min_and_max_did(intervals, window):
    clipped = schedule.clip(intervals, window)
    expected = clip_as_before(intervals, window)
    assert clipped == expected
    # Ties keep the same object: the interval's own end, unless the window's is earlier.
    for (start, end), (old_start, old_end) in zip(clipped, expected, strict=True):
        assert start is old_start
        assert end is old_end


def rows_as_before(shown, *, first, step, count):
    occupied = []
    for appointment, (starts, ends) in zip(shown.active, shown.spans, strict=True):
        top = (starts - first) // step
        bottom = -((first - ends) // step)
        top = min(max(top, 0), count - 1)
        bottom = min(max(bottom, top + 1), count)
        if occupied and top < occupied[-1][1]:
            last_top, last_bottom, items = occupied[-1]
            occupied[-1] = (last_top, max(last_bottom, bottom), [*items, appointment])
        else:
            occupied.append((top, bottom, [appointment]))
    return {top: (bottom, items) for top, bottom, items in occupied}


day_minutes = st.integers(min_value=0, max_value=24 * 60)


@given(
    spans=st.lists(st.tuples(day_minutes, day_minutes).map(sorted), max_size=12),
    first=st.sampled_from([0, 60, 420, 480, 1380]),
    step=st.sampled_from([5, 15, 30, 60]),
    rows=st.integers(min_value=1, max_value=100),
)
def test_it_places_booked_blocks_as_min_and_max_did(spans, first, step, rows):
    """Appointments before the first row, after the last, of no length and overlapping: the
    same rows and the same blocks."""
    spans = sorted(spans)
    shown = grid._Shown(active=[object() for _ in spans], spans=spans, hours=[])
    assert grid._booked_rows(shown, first=first, step=step, count=rows) == rows_as_before(
        shown, first=first, step=step, count=rows
    )


@given(day=st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2028, 12, 31)))
def test_it_gives_local_midnight_in_the_zone_passed_by_position(day):
    midnight = schedule.local_midnight(day, LONDON)
    assert midnight == dt.datetime.combine(day, dt.time.min, tzinfo=LONDON)
    assert midnight.tzinfo is LONDON
    assert midnight.fold == 0
