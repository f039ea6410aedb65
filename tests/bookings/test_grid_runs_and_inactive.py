"""The grid's closed and past runs and its list of cancelled and did-not-attend appointments,
drawn from texts kept per process or per column (bookings/grid.py `_run_html`,
bookings/grid_html.py `_inactive_html`): the same markup as drawing every value afresh."""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import pytest
from django.template import Context

from bookings import grid, grid_html
from bookings.calendar_items import STATUS_WORDS

LONDON = ZoneInfo("Europe/London")


def _afresh_run(kind: str, rows: int) -> str:
    """A closed or past run as `_cell_html` drew it before: every value escaped each time."""
    label = html.escape({"closed": "Closed", "past": "Past, nothing booked"}.get(kind, ""))
    rowspan = f' rowspan="{rows}"' if rows > 1 else ""
    return (
        f'<td class="grid-cell grid-{html.escape(kind)}"{rowspan}>'
        f'<span class="visually-hidden">{label}</span></td>'
    )


@pytest.mark.parametrize("kind", ["closed", "past"])
@pytest.mark.parametrize("rows", [1, 2, 7, 40])
def test_a_run_is_drawn_as_when_each_value_was_escaped_afresh(kind, rows):
    column = grid.Column(dt.date(2026, 3, 24), None, "Sam", [], 0, [])
    cell = grid.Cell(kind, column, rows)
    assert grid._cell_html(cell) == _afresh_run(kind, rows)
    assert grid._cell_html(cell) is grid._cell_html(grid.Cell(kind, column, rows))  # kept


@dataclass
class Inactive:
    public_id: str
    start: dt.datetime
    end: dt.datetime
    status: str
    patient_name: str

    def get_status_display(self) -> str:
        return str(STATUS_WORDS.get(self.status, self.status))


def _afresh_inactive(columns, zone) -> str:
    """The list as `_inactive_html` drew it before: every value escaped per appointment."""
    text = lambda value: html.escape(str(value))  # noqa: E731
    parts = [
        '\n<section aria-labelledby="grid-inactive-heading" class="mb-3">\n'
        '  <h2 class="h6" id="grid-inactive-heading">Cancelled or did not attend</h2>\n'
        '  <ul class="list-unstyled small mb-0">\n  '
    ]
    for column in columns:
        for item in column.inactive:
            status = text(item.status)
            parts.append(
                '\n    <li class="booking-inactive"><span>'
                f"{text(column.short_date)} {item.start.astimezone(zone):%H:%M}&ndash;"
                f"{item.end.astimezone(zone):%H:%M}</span> "
                f'<a href="/a/{text(item.public_id)}/">{text(item.patient_name)}</a>'
                f" with {text(column.name)} "
                f'<span class="badge booking-status booking-status-{status}">'
                f"{text(item.get_status_display())}</span></li>\n  "
            )
    parts.append("\n  </ul>\n</section>\n")
    return "".join(parts)


def test_the_inactive_list_is_drawn_as_when_each_value_was_escaped_afresh():
    utc = dt.UTC

    def item(ref, day, hour, minute, status, name):
        start = dt.datetime(2026, 3, day, hour, minute, tzinfo=utc)
        return Inactive(ref, start, start + dt.timedelta(minutes=45), status, name)

    columns = [
        grid.Column(
            dt.date(2026, 3, 28),
            None,
            "Sam <Therapist> & Co",
            [],
            0,
            [
                item("1c9", 28, 9, 5, "cancelled", "Ann O'Neil"),
                item("2d0", 28, 23, 30, "no_show", 'Bo "B" <b>'),
            ],
        ),
        grid.Column(dt.date(2026, 3, 29), None, "Sam", [], 0, []),  # nothing to list
        # The clocks go forward: 00:30 UTC is 00:30 GMT, 01:30 UTC is 02:30 BST.
        grid.Column(
            dt.date(2026, 3, 29),
            None,
            "Lee",
            [],
            0,
            [
                item("3e1", 29, 0, 30, "cancelled", "Cy"),
                item("4f2", 29, 1, 30, "late_cancelled", "Di & Ed"),
            ],
        ),
    ]
    layout = grid.Grid(columns=columns, rows=[])
    for zone in (LONDON, ZoneInfo("America/New_York"), utc):
        drawn = grid_html._inactive_html(Context({"detail_prefix": "/a/"}), layout, zone)
        assert drawn == _afresh_inactive(columns, zone)


def test_it_heads_the_weeks_columns_with_the_days_django_draws():
    """`grid.short_date` (a week's column headings, drawn by `FilterText`'s English days) gives
    what Django's formatter gave, "D j M", for every day of three years (both clock changes of
    each, leap day), in the site's language."""
    from django.utils.dateformat import format as date_format

    day = dt.date(2026, 1, 1)
    while day.year < 2029:
        assert grid.short_date.__wrapped__(day) == date_format(day, "D j M")
        day += dt.timedelta(days=1)


def test_it_says_the_free_cells_and_blocks_days_as_before():
    """`grid.long_date` ("l j F", said in every free cell and booked block, drawn by
    `FilterText`) gives what `strftime` gave before and what Django's formatter gives, for
    every day of three years, in the site's language."""
    from django.utils.dateformat import format as date_format

    day = dt.date(2026, 1, 1)
    while day.year < 2029:
        drawn = grid.long_date.__wrapped__(day)
        assert drawn == f"{day:%A} {day.day} {day:%B}"
        assert drawn == date_format(day, "l j F")
        day += dt.timedelta(days=1)


def test_it_writes_the_tables_own_characters_as_references():
    """The grid's en dashes, middle dots and marks' symbols are character references, so a
    table of ASCII names is ASCII (the page is then not stored two bytes a character); a
    browser reads them as the characters they were."""
    from bookings.confirmation import CONFIRMED, LEGEND
    from bookings.templatetags.grid_tags import confirmation_legend

    legend = confirmation_legend()
    assert legend.isascii()
    assert [html.unescape(grid_html.symbol_html(mark)) for mark in LEGEND] == [
        mark.symbol for mark in LEGEND
    ]
    _, labels = grid_html._labels("arrived", "Follow-up", "Room <1>")
    assert labels.isascii()
    assert " \N{MIDDLE DOT} Room <1>" in html.unescape(labels)
    mark, said = grid_html._mark("booked", True, False)
    assert mark is CONFIRMED
    assert all(text.isascii() for text in said.values())
    assert "\N{CHECK MARK}" in html.unescape(said["phone"])
    utc = dt.UTC
    start = dt.datetime(2026, 3, 24, 9, 0, tzinfo=utc)
    item = Inactive("4f1", start, start + dt.timedelta(minutes=30), "cancelled", "Pat Example")
    column = grid.Column(dt.date(2026, 3, 24), None, "Sam", [], 0, [item])
    drawn = grid_html._inactive_html(Context({}), grid.Grid(columns=[column], rows=[]), utc)
    assert drawn.isascii()
    assert "09:00\N{EN DASH}09:30" in html.unescape(drawn)
