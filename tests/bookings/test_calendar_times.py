"""The calendars read an appointment's start and end as seconds since 1970 and make them
datetimes in the calendar's zone in one step (bookings/calendar_items.py, `timed_columns`).
They must be the instants the table holds, to the microsecond; in the hour the clocks go back
they must keep their fold, their order and when attendance opens, where wall-clock times of
one zone compare and subtract as if the clocks had not changed."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from bookings import grid, selectors
from bookings.calendar_items import CalendarItem, timed_columns
from tests.bookings.factories import AppointmentFactory

pytestmark = pytest.mark.django_db

CLOCKS_BACK = dt.date(2026, 10, 25)  # London: 02:00 BST becomes 01:00 GMT


def _visits(therapist):
    """01:30 BST, then 01:10 GMT (later, though its wall clock is earlier), then a start with
    seconds and microseconds."""
    return [
        AppointmentFactory(
            therapist=therapist, start=dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC)
        ),
        AppointmentFactory(
            therapist=therapist, start=dt.datetime(2026, 10, 25, 1, 10, tzinfo=dt.UTC)
        ),
        AppointmentFactory(
            therapist=therapist, start=dt.datetime(2026, 10, 25, 10, 0, 7, 123457, tzinfo=dt.UTC)
        ),
    ]


def _items(therapist) -> list[CalendarItem]:
    days = selectors.calendar_days(first=CLOCKS_BACK, last=CLOCKS_BACK, therapist=therapist)
    return days[0]["columns"][0]["appointments"]


def test_it_reads_the_times_as_seconds_beside_the_other_columns():
    columns, timed = timed_columns(selectors.CALENDAR_COLUMNS)
    assert "start" not in columns
    assert "end" not in columns
    assert set(timed) == {"start_seconds", "end_seconds"}
    assert set(columns) == set(selectors.CALENDAR_COLUMNS) - {"start", "end"}


def test_it_gives_each_time_the_instant_and_wall_clock_the_table_holds(therapist):
    visits = _visits(therapist)
    items = _items(therapist)
    zone = selectors.clinic_zone()
    assert [item.pk for item in items] == [visit.pk for visit in visits]
    for item, visit in zip(items, visits, strict=True):
        visit.refresh_from_db()
        for mine, stored in ((item.start, visit.start), (item.end, visit.end)):
            assert mine.tzinfo is zone
            assert mine.astimezone(dt.UTC) == stored
            local = stored.astimezone(zone)
            assert (mine.replace(tzinfo=None), mine.fold, mine.utcoffset()) == (
                local.replace(tzinfo=None),
                local.fold,
                local.utcoffset(),
            )
    assert items[1].start.fold == 1
    assert items[1].start.hour == 1


def test_the_grid_orders_visits_by_instant_in_the_hour_the_clocks_go_back(therapist):
    visits = _visits(therapist)
    spec = grid.ColumnSpec(
        day=CLOCKS_BACK,
        therapist=therapist,
        name="",
        ref="",
        hours=[],
        appointments=_items(therapist),
    )
    shown = grid._Shown.of(spec, selectors.clinic_zone(), {})
    assert [item.pk for item in shown.active] == [visit.pk for visit in visits]


@pytest.mark.parametrize("minute", [5, 35, 45])
def test_attendance_opens_when_the_appointment_says_across_the_change(therapist, minute):
    visits = _visits(therapist)
    items = _items(therapist)
    with time_machine.travel(dt.datetime(2026, 10, 25, 0, minute, tzinfo=dt.UTC), tick=False):
        for item, visit in zip(items, visits, strict=True):
            assert item.attendance_open == visit.attendance_open


def test_each_appointment_shows_on_the_local_days_its_instants_touch(therapist):
    zone = selectors.clinic_zone()
    ends_at_midnight = AppointmentFactory(
        therapist=therapist, start=dt.datetime(2026, 7, 1, 23, 30, tzinfo=zone)
    )
    runs_past_midnight = AppointmentFactory(
        therapist=therapist, start=dt.datetime(2026, 7, 2, 23, 45, tzinfo=zone)
    )
    starts_at_midnight = AppointmentFactory(
        therapist=therapist, start=dt.datetime(2026, 7, 4, 0, 0, tzinfo=zone)
    )
    days = selectors.calendar_days(
        first=dt.date(2026, 7, 1), last=dt.date(2026, 7, 4), therapist=therapist
    )
    shown = [[item.pk for item in day["columns"][0]["appointments"]] for day in days]
    assert shown == [
        [ends_at_midnight.pk],
        [runs_past_midnight.pk],
        [runs_past_midnight.pk],
        [starts_at_midnight.pk],
    ]
