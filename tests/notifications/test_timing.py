"""When reminders fall due across daylight-saving changes, quiet hours and weekdays."""

import datetime as dt
from zoneinfo import ZoneInfo

from notifications.timing import next_occurrence, occurrences_between

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
T0130 = dt.time(1, 30)


def utc(*args):
    return dt.datetime(*args, tzinfo=dt.UTC)


def between(start, end, **settings):
    return list(occurrences_between(start=start, end=end, **settings))


def test_it_sends_a_london_0130_reminder_once_on_the_spring_forward_day():
    # 29 March 2026: clocks jump from 01:00 GMT to 02:00 BST, so 01:30 never happens.
    found = between(utc(2026, 3, 28, 12), utc(2026, 3, 29, 12), zone=LONDON, times=[T0130])
    assert len(found) == 1
    assert found[0].due_at == utc(2026, 3, 29, 1, 30)  # 02:30 on the new clock
    assert found[0].local_date == dt.date(2026, 3, 29)
    assert found[0].slot == dt.time(2, 30)


def test_it_sends_a_london_0130_reminder_once_on_the_fall_back_day():
    # 25 October 2026: 01:30 happens first in BST (00:30 UTC), then again in GMT (01:30 UTC).
    found = between(utc(2026, 10, 24, 12), utc(2026, 10, 25, 12), zone=LONDON, times=[T0130])
    assert [o.due_at for o in found] == [utc(2026, 10, 25, 0, 30)]


def test_it_keeps_london_reminders_at_the_same_wall_time_either_side_of_the_change():
    found = between(utc(2026, 3, 27, 12), utc(2026, 3, 31, 12), zone=LONDON, times=[dt.time(18)])
    assert [o.due_at.hour for o in found] == [18, 18, 17, 17]  # GMT, GMT, then BST
    assert {o.slot for o in found} == {dt.time(18)}


def test_it_handles_new_york_spring_forward():
    # 8 March 2026: 02:00 EST jumps to 03:00 EDT. 01:30 still exists; 02:30 does not.
    found = between(utc(2026, 3, 7, 12), utc(2026, 3, 8, 12), zone=NEW_YORK, times=[T0130])
    assert [o.due_at for o in found] == [utc(2026, 3, 8, 6, 30)]
    gap = between(utc(2026, 3, 7, 12), utc(2026, 3, 8, 12), zone=NEW_YORK, times=[dt.time(2, 30)])
    assert [o.due_at for o in gap] == [utc(2026, 3, 8, 7, 30)]  # 03:30 EDT, once


def test_it_sends_a_new_york_0130_reminder_once_on_the_fall_back_day():
    # 1 November 2026: 01:30 EDT (05:30 UTC) and 01:30 EST (06:30 UTC).
    found = between(utc(2026, 10, 31, 12), utc(2026, 11, 1, 12), zone=NEW_YORK, times=[T0130])
    assert [o.due_at for o in found] == [utc(2026, 11, 1, 5, 30)]


def test_it_moves_a_reminder_in_overnight_quiet_hours_to_their_end():
    quiet = (dt.time(22), dt.time(7))
    morning = next_occurrence(
        after=utc(2026, 6, 1, 12), zone=LONDON, times=[dt.time(6, 30)], quiet=quiet
    )
    assert morning.due_at == utc(2026, 6, 2, 6)  # 07:00 BST
    assert morning.slot == dt.time(7)
    late = next_occurrence(after=utc(2026, 6, 1, 12), zone=LONDON, times=[dt.time(23)], quiet=quiet)
    assert (late.local_date, late.slot) == (dt.date(2026, 6, 2), dt.time(7))


def test_it_moves_a_reminder_in_daytime_quiet_hours_to_their_end():
    found = next_occurrence(
        after=utc(2026, 1, 5, 8),
        zone=LONDON,
        times=[dt.time(14)],
        quiet=(dt.time(13), dt.time(15)),
    )
    assert found.due_at == utc(2026, 1, 5, 15)


def test_it_sends_once_when_quiet_hours_push_two_reminders_to_the_same_moment():
    found = between(
        utc(2026, 6, 1, 12),
        utc(2026, 6, 3, 12),
        zone=LONDON,
        times=[dt.time(6), dt.time(6, 30)],
        quiet=(dt.time(22), dt.time(7)),
    )
    assert [o.due_at for o in found] == [utc(2026, 6, 2, 6), utc(2026, 6, 3, 6)]


def test_it_only_reminds_on_the_chosen_weekdays_and_after_a_pause():
    monday_wednesday = 0b0000101
    found = between(
        utc(2026, 1, 4, 23),  # Sunday night
        utc(2026, 1, 18, 23),
        zone=LONDON,
        times=[dt.time(8)],
        weekdays=monday_wednesday,
        paused_until=dt.date(2026, 1, 11),
    )
    assert [o.local_date for o in found] == [dt.date(2026, 1, 12), dt.date(2026, 1, 14)]


def test_it_fires_a_one_off_reminder_once_after_quiet_hours():
    once = utc(2026, 6, 9, 5)  # 06:00 BST
    first = next_occurrence(
        after=utc(2026, 6, 1), zone=LONDON, once_at=once, quiet=(dt.time(22), dt.time(7))
    )
    assert first.due_at == utc(2026, 6, 9, 6)
    assert next_occurrence(after=first.due_at, zone=LONDON, once_at=once) is None


def test_it_has_nothing_due_without_times_or_days():
    assert next_occurrence(after=utc(2026, 1, 1), zone=LONDON, times=[]) is None
    assert next_occurrence(after=utc(2026, 1, 1), zone=LONDON, times=[T0130], weekdays=0) is None


def test_a_time_skipped_by_the_clocks_into_quiet_hours_waits_for_their_end():
    # 01:30 does not exist on 29 March 2026 in London and would land at 02:30 BST, which is
    # inside the 02:00-06:00 quiet hours.
    found = next_occurrence(
        after=utc(2026, 3, 28, 12),
        zone=LONDON,
        times=[T0130],
        quiet=(dt.time(2), dt.time(6)),
    )
    assert (found.local_date, found.slot) == (dt.date(2026, 3, 29), dt.time(6))
