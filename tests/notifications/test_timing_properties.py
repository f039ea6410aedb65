"""Properties of the reminder clock that must hold for any zone, times and quiet hours."""

import datetime as dt
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from notifications.timing import in_quiet_hours, occurrences_between

ZONES = ["Europe/London", "America/New_York", "Australia/Lord_Howe", "Asia/Kathmandu", "UTC"]
minutes = st.integers(min_value=0, max_value=24 * 60 - 1).map(lambda m: dt.time(m // 60, m % 60))


@settings(max_examples=150, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    times=st.lists(minutes, min_size=1, max_size=3, unique=True),
    weekdays=st.integers(min_value=1, max_value=127),
    quiet=st.one_of(st.none(), st.tuples(minutes, minutes).filter(lambda q: q[0] != q[1])),
    start=st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2027, 12, 1)).map(
        lambda d: d.replace(tzinfo=dt.UTC)
    ),
)
def test_occurrences_are_ordered_unique_and_respect_the_settings(
    zone, times, weekdays, quiet, start
):
    found = list(
        occurrences_between(
            start=start,
            end=start + dt.timedelta(days=16),
            zone=ZoneInfo(zone),
            times=sorted(times),
            weekdays=weekdays,
            quiet=quiet,
        )
    )
    instants = [o.due_at for o in found]
    assert instants == sorted(set(instants))  # strictly increasing: nothing twice
    assert len({(o.local_date, o.slot) for o in found}) == len(found)  # one per slot
    assert len(found) >= 2  # at least one chosen weekday in any 16 days, so never silent
    for occurrence in found:
        local = occurrence.due_at.astimezone(ZoneInfo(zone))
        assert (local.date(), local.time().replace(second=0)) == (
            occurrence.local_date,
            occurrence.slot,
        )
        if quiet is not None:
            assert not in_quiet_hours(occurrence.slot, quiet)
