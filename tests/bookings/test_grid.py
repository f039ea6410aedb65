"""The calendar's time grid: free gaps visible at a glance and bookable from the empty cell.

The layout (bookings/grid.py) is tested as plain Python, daylight-saving weeks included; the
pages are tested for what reception sees and uses: a real table, labels a screen reader reads,
links that open a pre-filled booking form, and a calendar that shows a new booking at once.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from html import unescape
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from bookings import grid, schedule, services
from tests.bookings.factories import AppointmentFactory, at, follow_up, give_hours

LONDON = ZoneInfo("Europe/London")


@dataclass
class Booking:
    start: dt.datetime
    end: dt.datetime
    is_active: bool = True


def hours(day: dt.date, start="09:00", end="17:00") -> list[schedule.Interval]:
    block = schedule.WeeklyBlock(
        day.weekday(), dt.time.fromisoformat(start), dt.time.fromisoformat(end)
    )
    return schedule.working_intervals(
        first=day, last=day, weekly=[block], exceptions=[], zone=LONDON
    )


def column(day, *, name="Sam Therapist", working=None, appointments=()) -> grid.ColumnSpec:
    day = dt.date.fromisoformat(day) if isinstance(day, str) else day
    return grid.ColumnSpec(
        day=day,
        therapist=None,
        name=name,
        ref="sam",
        hours=hours(day) if working is None else working,
        appointments=list(appointments),
    )


def lay_out(*columns, today="2026-03-01") -> grid.Grid:
    return grid.build(columns=columns, zone=LONDON, today=dt.date.fromisoformat(today))


def placed(layout: grid.Grid) -> list[dict[int, grid.Cell | grid.Free]]:
    """Each row's cells by the index of their column, placed as a browser places a table's
    cells: a block of several rows covers its column in the rows below it."""
    covered = [0] * len(layout.columns)
    found = []
    for row in layout.rows:
        cells, here = iter(row.cells), {}
        for index in range(len(layout.columns)):
            if covered[index]:
                covered[index] -= 1
                continue
            here[index] = cell = next(cells)
            covered[index] = cell.rows - 1
        assert next(cells, None) is None  # no cell pushed out of the table
        found.append(here)
    return found


def cell_at(layout: grid.Grid, hhmm: str, index: int = 0) -> grid.Cell | grid.Free | None:
    """The cell that starts at `hhmm` in the column `index`, or None if a block above covers it."""
    row = next(n for n, row in enumerate(layout.rows) if row.time == dt.time.fromisoformat(hhmm))
    return placed(layout)[row].get(index)


def label(cell) -> str:
    """What a screen reader says of the cell (a free cell's link, a closed or past run)."""
    return unescape(re.search(r'<span class="visually-hidden">([^<]*)</span>', cell.html)[1])


def query(cell) -> str:
    """The booking form's parameters a free cell links to ("" where there is no link)."""
    found = re.search(r'href="[^"?]*\?([^"]*)"', cell.html)
    return unescape(found[1]) if found else ""


def test_it_places_an_appointment_by_its_start_and_length():
    booking = Booking(at("2026-03-24", "10:00"), at("2026-03-24", "10:45"))
    layout = lay_out(column("2026-03-24", appointments=[booking]))
    block = cell_at(layout, "10:00")
    assert (block.kind, block.rows, block.appointments) == ("booked", 3, [booking])
    assert cell_at(layout, "10:15") is None
    assert cell_at(layout, "10:30") is None
    assert cell_at(layout, "09:45").kind == cell_at(layout, "10:45").kind == "free"


def test_it_makes_each_free_quarter_hour_a_labelled_booking_link():
    layout = lay_out(column("2026-03-03"))
    free = cell_at(layout, "14:30")
    assert label(free) == "Free, Tuesday 3 March 14:30 with Sam Therapist"
    assert query(free) == "therapist=sam&date=2026-03-03&time=14%3A30"
    assert [row.time for row in layout.rows][:2] == [dt.time(9, 0), dt.time(9, 15)]
    assert len(layout.rows) == 32  # 09:00 to 17:00 in quarter hours


def test_it_shows_closed_time_as_one_block_per_run():
    layout = lay_out(
        column("2026-03-24", name="Sam"),
        column(
            "2026-03-24", name="Early Bird", working=hours(dt.date(2026, 3, 24), "07:00", "18:00")
        ),
    )
    assert layout.rows[0].time == dt.time(7, 0)
    before, after = cell_at(layout, "07:00"), cell_at(layout, "17:00")
    assert (before.kind, before.rows, label(before)) == ("closed", 8, "Closed")
    assert (after.kind, after.rows) == ("closed", 4)
    assert cell_at(layout, "07:00", 1).kind == "free"


def test_it_frees_the_time_of_a_cancelled_appointment_and_lists_it_apart():
    cancelled = Booking(at("2026-03-24", "10:00"), at("2026-03-24", "10:30"), is_active=False)
    layout = lay_out(column("2026-03-24", appointments=[cancelled]))
    assert cell_at(layout, "10:00").kind == "free"
    assert layout.columns[0].inactive == [cancelled]
    assert layout.columns[0].booked == 0
    assert layout.has_inactive


def test_it_gives_appointments_sharing_a_row_one_block():
    first = Booking(at("2026-03-24", "10:00"), at("2026-03-24", "10:10"))
    second = Booking(at("2026-03-24", "10:10"), at("2026-03-24", "10:40"))
    block = cell_at(lay_out(column("2026-03-24", appointments=[second, first])), "10:00")
    assert (block.rows, block.appointments) == (3, [first, second])


def test_it_offers_nothing_to_book_on_a_day_gone_by():
    layout = lay_out(column("2026-03-02"), today="2026-03-03")
    past = cell_at(layout, "09:00")
    assert (past.kind, past.rows, query(past)) == ("past", 32, "")
    assert label(past) == "Past, nothing booked"


@pytest.mark.parametrize(
    ("saturday", "sunday"),
    [("2026-03-28", "2026-03-29"), ("2026-10-24", "2026-10-25")],
    ids=["clocks go forward", "clocks go back"],
)
def test_it_keeps_wall_clock_rows_through_a_daylight_saving_weekend(saturday, sunday):
    """09:00 is 09:00 GMT on one day and 09:00 BST on the next: the same row on both."""
    nine = [Booking(at(day, "09:00"), at(day, "09:30")) for day in (saturday, sunday)]
    layout = lay_out(
        column(saturday, appointments=[nine[0]]), column(sunday, appointments=[nine[1]])
    )
    assert layout.rows[0].time == dt.time(9, 0)
    assert len(layout.rows) == 32
    assert [cell.kind for cell in layout.rows[0].cells] == ["booked", "booked"]
    assert [cell.appointments for cell in layout.rows[0].cells] == [[nine[0]], [nine[1]]]
    last = [label(cell) for cell in layout.rows[-1].cells]
    assert last[1] == f"Free, {dt.date.fromisoformat(sunday):%A %-d %B} 16:45 with Sam Therapist"


def test_it_marks_the_hour_the_clocks_skip_as_closed():
    sunday = dt.date(2026, 3, 29)  # 01:00 GMT becomes 02:00 BST
    night = [(at(sunday, "00:00"), at(sunday, "04:00"))]  # three real hours
    layout = lay_out(column(sunday, working=night))
    assert layout.rows[0].time == dt.time(0, 0)
    assert len(layout.rows) == 16
    assert cell_at(layout, "00:45").kind == "free"
    skipped = cell_at(layout, "01:00")
    assert (skipped.kind, skipped.rows) == ("closed", 4)
    assert label(cell_at(layout, "02:00")) == "Free, Sunday 29 March 02:00 with Sam Therapist"


@settings(max_examples=60, deadline=None)
@given(
    day=st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2027, 12, 31)),
    zone=st.sampled_from(
        ["Europe/London", "America/New_York", "Australia/Lord_Howe", "America/Havana", "UTC"]
    ),
    first=st.sampled_from([0, 60, 420]),
)
def test_each_row_has_the_wall_time_and_instant_a_conversion_gives(day, zone, first):
    # Most days take the rows' instants from one offset; they must be what converting each
    # wall time gives, and the times the clocks skip must still be found on the days they
    # change (Havana and Lord Howe change at midnight and by half an hour).
    place = ZoneInfo(zone)
    count = (grid._DAY_MINUTES - first) // 15
    clock = grid._Clock.of(day, first, 15, count, place)
    for index in range(count + 1):
        found = grid._wall_clock(day, first + index * 15, place)
        expected = (None, None) if found is None else found
        assert (clock.walls[index], clock.instants[index]) == expected


@settings(max_examples=80, deadline=None)
@given(
    day=st.dates(min_value=dt.date(2026, 1, 1), max_value=dt.date(2027, 12, 31)),
    zone=st.sampled_from(["Europe/London", "America/New_York", "Australia/Lord_Howe", "UTC"]),
    first=st.sampled_from([0, 60, 420]),
    spans=st.lists(
        st.tuples(st.integers(-120 * 60, 26 * 3600), st.integers(0, 10 * 3600)), max_size=4
    ),
    past=st.booleans(),
)
def test_each_rows_kind_is_what_testing_the_row_against_the_working_time_gives(
    day, zone, first, spans, past
):
    # Rows take their kinds from arithmetic on one offset on most days; they must be what
    # testing each row against the working intervals gives (intervals starting or ending
    # between rows, on a second, before the first row or after the last).
    place = ZoneInfo(zone)
    count = (grid._DAY_MINUTES - first) // 15
    clock = grid._Clock.of(day, first, 15, count, place)
    midnight = schedule.local_midnight(day, place).astimezone(dt.UTC)
    working = schedule.merge(
        (midnight + dt.timedelta(seconds=start), midnight + dt.timedelta(seconds=start + length))
        for start, length in spans
    )
    instants = clock.instants
    expected = [
        grid._kind(instants[index], instants[index + 1], 15, working, past=past)
        for index in range(count)
    ]
    assert clock.kinds(working, 15, past=past) == expected


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 95), st.integers(1, 24), st.booleans(), st.integers(0, 2)),
        max_size=8,
    )
)
def test_it_fills_every_row_of_every_column_exactly_once(bookings):
    """Whatever the appointments, the table is rectangular: each column's cells and blocks
    cover each row once, so `rowspan` never pushes a cell into the wrong column."""
    day = dt.date(2026, 3, 29)
    midnight = schedule.local_midnight(day, LONDON)
    specs = [
        column(
            day,
            name=str(index),
            appointments=[
                Booking(
                    midnight + dt.timedelta(minutes=15 * quarter),
                    midnight + dt.timedelta(minutes=15 * quarter + 5 * length),
                    active,
                )
                for quarter, length, active, owner in bookings
                if owner == index
            ],
        )
        for index in range(3)
    ]
    layout = lay_out(*specs)
    by_row = placed(layout)  # fails if a row has too many or too few cells
    for index in range(len(specs)):
        covered = []
        for row_index, here in enumerate(by_row):
            if index in here:
                covered.extend(range(row_index, row_index + here[index].rows))
        assert covered == list(range(len(layout.rows))), index
        shown = [a for here in by_row if index in here for a in here[index].appointments]
        assert sorted(shown, key=lambda a: a.start) == sorted(
            (a for a in specs[index].appointments if a.is_active), key=lambda a: a.start
        )


# --- The pages ----------------------------------------------------------------------------

DAY = "2026-03-24"  # a Tuesday


@pytest.fixture
def week_of_tess(therapist, other_therapist):
    give_hours(therapist, start="09:00", end="17:00")
    give_hours(other_therapist, start="12:00", end="18:00")
    with time_machine.travel(at("2026-03-23", "08:00"), tick=False):
        yield


def free_links(page: str) -> dict[str, str]:
    """Each free cell's screen-reader label and the address it links to."""
    found = re.findall(
        r'<a class="grid-free-link" href="([^"]+)"[^>]*><span class="visually-hidden">([^<]+)</span>',
        page,
    )
    return {unescape(label): unescape(href) for href, label in found}


@pytest.mark.django_db
def test_it_books_from_an_empty_cell_of_the_week(reception_client, week_of_tess, therapist):
    follow_up()
    page = reception_client.get(
        reverse("bookings:week"), {"date": DAY, "therapist": therapist.public_id}
    ).content.decode()
    links = free_links(page)
    assert len(links) == 7 * 32  # every quarter hour of Tess's week, 09:00 to 17:00
    href = links["Free, Tuesday 24 March 14:30 with Tess"]
    form = reception_client.get(href).context["form"]
    assert (form["therapist"].value(), form["date"].value(), form["time"].value()) == (
        str(therapist.public_id),
        DAY,
        "14:30",
    )


@pytest.mark.django_db
def test_it_draws_the_day_as_a_table_with_a_column_per_therapist(
    reception_client, week_of_tess, therapist, patient
):
    AppointmentFactory(patient=patient, therapist=therapist, start=at(DAY, "10:00"))
    page = reception_client.get(reverse("bookings:home"), {"date": DAY}).content.decode()
    table = page.split("<table", 1)[1].split("</table>", 1)[0]
    assert "<caption" in table
    assert "a column per therapist" in table
    heads = re.findall(r'<th scope="col" class="grid-person-head">\s*([^<\n]+)', table)
    assert [head.strip() for head in heads] == ["Colin", "Tess"]
    assert re.search(r'<td class="grid-cell grid-booked[^"]*" rowspan="2">', table)
    assert "Booked, Tuesday 24 March </span>10:00\u201310:30 Robin Trail" in unescape(table)
    links = free_links(page)
    assert "Free, Tuesday 24 March 10:00 with Tess" not in links
    assert "Free, Tuesday 24 March 10:30 with Tess" in links
    assert "Free, Tuesday 24 March 09:00 with Colin" not in links  # Colin starts at noon
    assert "Free, Tuesday 24 March 17:45 with Colin" in links
    assert ' style="' not in page  # the CSP allows no inline style or script
    assert "<script>" not in page


@pytest.mark.django_db
def test_it_heads_everyone_s_week_with_each_day_over_its_therapists(
    reception_client, week_of_tess, patient, therapist
):
    AppointmentFactory(
        patient=patient, therapist=therapist, start=at(DAY, "11:00"), status="cancelled"
    )
    page = reception_client.get(reverse("bookings:week"), {"date": DAY}).content.decode()
    table = page.split("<table", 1)[1].split("</table>", 1)[0]
    assert table.count('<colgroup span="2">') == 7
    days = re.findall(r'<th scope="colgroup" colspan="2"[^>]*>\s*<a [^>]+>([^<]+)</a>', table)
    assert days[:2] == ["Mon 23 Mar", "Tue 24 Mar"]
    assert len(days) == 7
    people = re.findall(r'<th scope="col" class="grid-person-head">([^<]+)</th>', table)
    assert people == ["Colin", "Tess"] * 7
    # A cancelled appointment gives its time back, and is listed under the grid.
    assert "Free, Tuesday 24 March 11:00 with Tess" in free_links(page)
    cancelled = page.split("Cancelled or did not attend", 1)[1]
    assert "Tue 24 Mar 11:00\u201311:30" in unescape(cancelled)
    assert "Robin Trail" in cancelled


@pytest.mark.django_db
def test_it_shows_a_new_booking_in_its_cell_on_the_next_view_of_the_week(
    reception_client, week_of_tess, therapist, patient, reception
):
    url = reverse("bookings:week") + f"?date={DAY}&therapist={therapist.public_id}"
    label = "Free, Tuesday 24 March 14:30 with Tess"
    built = reception_client.get(url).content.decode()
    assert label in free_links(built)
    services.appointment_series_book(
        patient=patient,
        therapist=therapist,
        appointment_type=follow_up(),
        start=at(DAY, "14:30"),
        weeks=1,
        room=None,
        notes="",
        allow_outside_hours=False,
        by=reception,
    )
    after = reception_client.get(url).content.decode()
    assert label not in free_links(after)
    assert "Free, Tuesday 24 March 15:00 with Tess" in free_links(after)
    assert "14:30\u201315:00 Robin Trail" in unescape(after)


def test_it_draws_a_visit_that_runs_past_midnight_on_both_days():
    # A late extra session (a schedule exception) from 23:30 to 00:30: the calendar of either
    # day shows it, instead of failing on a row before midnight or after the day's end.
    late = Booking(at("2026-03-23", "23:30"), at("2026-03-24", "00:30"))
    evening = lay_out(column("2026-03-23", appointments=[late]))
    assert cell_at(evening, "23:30").appointments == [late]
    assert evening.rows[-1].time == dt.time(23, 45)
    morning = lay_out(column("2026-03-24", appointments=[late]))
    assert morning.rows[0].time == dt.time(0, 0)
    assert cell_at(morning, "00:00").appointments == [late]
    assert cell_at(morning, "00:30").kind == "closed"


@dataclass
class Drawn(Booking):
    """What a booked block draws of an appointment (bookings/grid_html.py)."""

    pk: int = 1
    public_id: str = "00000000-0000-0000-0000-000000000001"
    status: str = "booked"
    type_name: str = "Follow-up"
    room_name: str | None = None
    confirmed_at: dt.datetime | None = None
    confirmed_via: str = ""
    asked_to_confirm: bool = False
    # The block joins the two names itself (`CalendarItem.patient_name` is the same join).
    patient_first_name: str = "Pat"
    patient_last_name: str = "Example"


def booked_times(layout: grid.Grid) -> list[str]:
    from django.template import Context

    from bookings import grid_html

    drawn = grid_html.rows_html(Context({"detail_prefix": "/a/"}), layout, {})
    return re.findall(r"</span>(\d\d:\d\d)&ndash;(\d\d:\d\d) Pat Example", drawn)


def test_a_site_calendar_in_another_zone_still_says_times_in_the_clinic_s_zone(settings):
    """The grid of a site in New York lays its rows out in New York's time; the booked block
    says the visit's time as every calendar does, in the clinic's zone (London here), whether
    or not the grid worked out local times in its own zone first."""
    settings.TIME_ZONE = "Europe/London"
    new_york = ZoneInfo("America/New_York")
    visit = Drawn(
        start=dt.datetime(2026, 6, 10, 14, 0, tzinfo=dt.UTC),
        end=dt.datetime(2026, 6, 10, 14, 45, tzinfo=dt.UTC),
    )
    day = dt.date(2026, 6, 10)
    there = grid.build(columns=[column(day, appointments=[visit])], zone=new_york, today=day)
    here = grid.build(columns=[column(day, appointments=[visit])], zone=LONDON, today=day)
    assert booked_times(there) == booked_times(here) == [("15:00", "15:45")]  # London, summer time
    assert there.rows[0].said == "04:00"  # London's 09:00 opening, New York's rows


def test_working_time_handed_over_in_utc_lays_out_as_the_local_hours_do():
    """The calendars hand the grid each column's working time in UTC as well as in local time
    (`ColumnSpec.working`); the layout must be the one the local hours alone give."""
    day = dt.date(2026, 3, 29)  # the clocks go forward: the hours straddle the change
    local = hours(day, "00:00", "05:00") + hours(day, "09:00", "12:30")
    merged = schedule.merge((schedule.utc(a), schedule.utc(b)) for a, b in local)
    visit = Booking(at(day, "10:00"), at(day, "10:30"))
    plain = grid.build(
        columns=[column(day, working=local, appointments=[visit])],
        zone=LONDON,
        today=dt.date(2026, 3, 1),
    )
    spec = column(day, working=local, appointments=[visit])
    spec.working = merged
    handed = grid.build(columns=[spec], zone=LONDON, today=dt.date(2026, 3, 1))

    def shape(layout):
        return [(r.said, [(c.kind, c.rows, str(c.html)) for c in r.cells]) for r in layout.rows]

    assert shape(handed) == shape(plain)
    assert any(c.kind == "free" for r in handed.rows for c in r.cells)
