"""The calendar grid's table, drawn in Python in one step (see bookings/includes/grid.html).

A week of one therapist is a table of about forty rows by seven columns with some fifty
appointments; drawn by the template, its headings, footer, cells and booked blocks were a
template step per value (and a variable lookup costs about as much as a line of Python
here). The markup is what the template drew, byte for byte; every value is escaped where it
is put in.
"""

from __future__ import annotations

import functools
import html

from django.template import Context
from django.template.loader import get_template
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString

from bookings.calendar_items import STATUS_WORDS
from bookings.confirmation import CONFIRMED_VIA, Mark, confirmation_mark, confirmation_words
from bookings.grid import Cell, Column, Free, Grid, long_date
from clinic import links


def _text(value) -> str:
    """What `{{ value }}` gives for a plain value: Django's `escape` without its wrapper."""
    return html.escape(str(value))


# The table's own few characters outside ASCII (the times' en dash, the rooms' middle dot, the
# marks' symbols) are written as character references, which a browser reads as the same
# characters. One en dash drawn as itself made the table, and every string joined above it up
# to the page, two bytes a character (CPython stores a string at the width of its widest
# character), each join widening its ASCII pieces one character at a time; a week view cost
# 4.7 % more. (The response's UTF-8 encoding is a plain copy only for a page wholly in ASCII;
# the base layout's middle dots still keep it from that.) Names keep their own characters.
_DASH = "&ndash;"


def symbol_html(mark: Mark) -> str:
    """A confirmation mark's symbol escaped, in ASCII ("&#10003;"): for its booked blocks and
    the legend above the grid."""
    return _text(mark.symbol).encode("ascii", "xmlcharrefreplace").decode("ascii")


_CAPTION_KEY = (
    ' <span class="grid-key" aria-hidden="true"><span class="grid-key-free">Free (choose to'
    ' book)</span> <span class="grid-key-booked">Booked</span> <span class="grid-key-closed">'
    "Closed</span></span></caption>\n"
)


def table_html(context: Context, grid: Grid, marks: dict | None) -> SafeString:
    """The grid's `<div>` and `<table>` (caption, column groups, headings, rows, booked counts)
    and, when any, the list of cancelled and did-not-attend appointments. Reads from
    `context`: caption, per_day (therapists under each day in the week view; 0 in the day
    view), therapist, today, detail_prefix, show_actions (status buttons)."""
    per_day = context.get("per_day") or 0
    wide = per_day > 1
    zone = timezone.get_current_timezone()  # what the `time` filter converts to
    parts = [
        '<div class="table-responsive grid-scroll mb-3">\n'
        '<table class="table table-bordered table-sm mb-0 time-grid'
        f'{" time-grid-wide" if wide else ""}" data-time-grid>\n'
        f'  <caption class="grid-caption">{_text(context.get("caption", ""))}{_CAPTION_KEY}  '
    ]
    if wide:
        groups = sum(1 for index in range(len(grid.columns)) if index % per_day == 0)
        parts.append(
            "<colgroup><col></colgroup>" + f'<colgroup span="{per_day}"></colgroup>' * groups
        )
    parts.append("\n  <thead>\n    \n    <tr>\n")
    if per_day:
        parts.append(_day_heads(context, grid, per_day))
    else:
        parts.append('      <th scope="col" class="grid-time-head">Time</th>\n      ')
        for column in grid.columns:
            hours = ", ".join(
                f"{start.astimezone(zone):%H:%M}{_DASH}{end.astimezone(zone):%H:%M}"
                for start, end in column.hours
            )
            parts.append(
                '\n      <th scope="col" class="grid-person-head">\n'
                f"        {_text(column.name)}\n"
                '        <span class="d-block small fw-normal text-body-secondary">'
                f"{hours or 'Not working'}</span>\n      </th>\n      "
            )
        parts.append("\n    </tr>\n    \n")
    parts.append("  </thead>\n  <tbody>\n  ")
    parts.append(rows_html(context, grid, marks, zone))
    parts.append(
        '\n  </tbody>\n  <tfoot>\n    <tr>\n      <th scope="row" class="grid-time">Booked</th>\n'
        "      "
    )
    parts.extend(
        f'<td class="small text-body-secondary">{column.booked} booked</td>'
        for column in grid.columns
    )
    parts.append("\n    </tr>\n  </tfoot>\n</table>\n</div>\n")
    if grid.has_inactive:
        parts.append(_inactive_html(context, grid, zone))
    return SafeString("".join(parts))  # nosec B703 B308: every value escaped where put in


def _day_heads(context: Context, grid: Grid, per_day: int) -> str:
    """The week view's headings: a day's link above its therapists (their first names too
    when there are several)."""
    wide = per_day > 1
    therapist = context.get("therapist")
    also = f"&amp;therapist={_text(therapist.public_id)}" if therapist else ""
    day_path = _text(links.fixed_url("bookings:home"))
    today = context.get("today")
    scope = f'colgroup" colspan="{per_day}' if wide else "col"
    rowspan = ' rowspan="2"' if wide else ""
    parts = [f'      <th scope="col" class="grid-time-head"{rowspan}>Time</th>\n      ']
    for index, column in enumerate(grid.columns):
        if per_day == 1 or index % per_day == 0:
            parts.append(
                f'\n      <th scope="{scope}" class="grid-day-head'
                f'{" grid-today" if column.day == today else ""}">\n'
                f'        <a href="{day_path}?date={column.day.isoformat()}{also}">'
                f"{_text(column.short_date)}</a>\n      </th>\n      "
            )
    parts.append("\n    </tr>\n    ")
    if wide:
        parts.append("\n    <tr>\n      ")
        parts.extend(
            '<th scope="col" class="grid-person-head">'
            f"{_text(column.therapist.first_name or column.name)}</th>"
            for column in grid.columns
        )
        parts.append("\n    </tr>\n    ")
    parts.append("\n    \n")
    return "".join(parts)


def _inactive_html(context: Context, grid: Grid, zone) -> str:
    """Cancelled and did-not-attend appointments, which free their time on the grid."""
    prefix = _text(context.get("detail_prefix", ""))
    parts = [
        '\n<section aria-labelledby="grid-inactive-heading" class="mb-3">\n'
        '  <h2 class="h6" id="grid-inactive-heading">Cancelled or did not attend</h2>\n'
        '  <ul class="list-unstyled small mb-0">\n  '
    ]
    for column in grid.columns:
        if not column.inactive:
            continue
        # What the column's items share, escaped once: its day and its therapist's name.
        day, name = _text(column.short_date), _text(column.name)
        for item in column.inactive:
            start, end = item.start.astimezone(zone), item.end.astimezone(zone)
            parts.append(
                '\n    <li class="booking-inactive"><span>'
                f"{day} {_CLOCK[start.hour][start.minute]}{_DASH}"
                f"{_CLOCK[end.hour][end.minute]}</span> "
                f'<a href="{prefix}{_text(item.public_id)}/">{_text(item.patient_name)}</a>'
                f" with {name} {_badge(item.status, item.get_status_display())}</li>\n  "
            )
    parts.append("\n  </ul>\n</section>\n")
    return "".join(parts)


def rows_html(context: Context, grid: Grid, marks: dict | None = None, zone=None) -> str:
    """The grid's body: a `<tr>` per row with its time and its parts (drawn runs of free,
    closed and past cells, and booked blocks). `zone`: the current time zone, when the caller
    read it already."""
    booked = _BookedBlocks(context, marks, grid, zone)
    parts = []
    for row in grid.rows:
        if row.head:  # drawn with the grid's row times, once per process
            parts.append(row.head)
        else:
            kind = "grid-hour" if row.on_the_hour else "grid-quarter"
            parts.append(f'<tr class="{kind}"><th scope="row" class="grid-time">{row.said}</th>')
        for cell in row.cells:
            # A free cell is its markup; a closed or past run carries its own.
            parts.append(cell if type(cell) is Free else cell.html or booked.cell(cell))
        parts.append("</tr>")
    return "".join(parts)


class _BookedBlocks:
    """Draws the `<td>` of each booked block: each appointment's link, type, room and status,
    what other apps mark on it (`marks`: appointment id to HTML, e.g. treatment's session-note
    link), and on the day view (`show_actions`) its attendance buttons. Booked appointments
    carry whether the patient has said they are coming, and on the day view, until they end,
    reception's "Confirmed by phone" (or its undo). What every block shares (the time, the
    zone, the link's prefix, each column's escaped name and day) is worked out once."""

    def __init__(self, context: Context, marks: dict | None, grid: Grid | None = None, zone=None):
        self.context = context
        self.marks = marks or {}
        self.prefix = _text(context.get("detail_prefix", ""))
        self.now = timezone.now()
        # What `timezone.localtime` reads: the table's caller read it already (each read is a
        # lookup in asgiref's `Local` that fails and builds its error when no zone is active).
        self.zone = timezone.get_current_timezone() if zone is None else zone
        # The appointments' local times the grid worked out, when it laid out in this zone
        # (a site's calendar in another zone converts here).
        self.local = grid.local if grid is not None and grid.zone is self.zone else {}
        self.buttons = self.confirm_buttons = None
        if context.get("show_actions"):
            self.buttons = get_template("bookings/includes/status_buttons.html").template
            self.confirm_buttons = get_template("bookings/includes/confirm_buttons.html").template
        self.columns: dict[int, tuple[str, str]] = {}

    def _column(self, column: Column) -> tuple[str, str]:
        found = self.columns.get(id(column))
        if found is None:
            found = self.columns[id(column)] = (_text(long_date(column.day)), _text(column.name))
        return found

    def cell(self, cell: Cell) -> str:
        said = self.columns.get(id(cell.column))
        day, name = said if said is not None else self._column(cell.column)
        zone, context, marks, local = self.zone, self.context, self.marks, self.local
        parts = [_booked_opening(cell.rows)]
        for item in cell.appointments:
            status, labels, confirm = _dressing(
                item.status,
                item.type_name,
                item.room_name,
                item.confirmed_at is not None,
                item.asked_to_confirm,
            )
            times = local.get(id(item))
            start, end = times or (item.start.astimezone(zone), item.end.astimezone(zone))
            parts.append(
                f'<div class="grid-appointment booking-status-edge-{status}">'
                # A UUID's text from the database: hex digits and dashes, nothing to escape.
                f'<a href="{self.prefix}{item.public_id}/" data-grid-cell>'
                f'<span class="visually-hidden">Booked, {day} </span>'
                f"{_CLOCK[start.hour][start.minute]}{_DASH}{_CLOCK[end.hour][end.minute]}"
                f" {_name_html(item.patient_first_name, item.patient_last_name)}"
                f'<span class="visually-hidden"> with {name}</span></a>{labels}'
            )
            if confirm is not None:
                parts.append(confirm.get(item.confirmed_via, confirm[""]))
            if (found := marks.get(item.pk)) is not None:
                # Other apps' marks come as SafeStrings; anything else is escaped.
                parts.append(found if type(found) is SafeString else conditional_escape(found))
            if self.confirm_buttons is not None and confirm is not None and item.end > self.now:
                with context.push(item=item):
                    parts.append(self.confirm_buttons.render(context))
            if self.buttons is not None and item.attendance_open:
                with context.push(item=item):
                    parts.append(self.buttons.render(context))
            parts.append("</div>")
        parts.append("</td>")
        return "".join(parts)


@functools.lru_cache(maxsize=512)
def _booked_opening(rows: int) -> str:
    """A booked block's `<td>`, by the rows it covers: the same few on every grid."""
    rowspan = f' rowspan="{rows}"' if rows > 1 else ""
    return f'<td class="grid-cell grid-booked grid-span-{rows}"{rowspan}>'


@functools.lru_cache(maxsize=4096)
def _name_html(first_name: str, last_name: str) -> str:
    """A patient's full name (`CalendarItem.patient_name`) escaped. A week's fifty-odd names
    are mostly names the process has drawn before (a clinic's patients come back week after
    week), and a look-up in this keep costs less than joining and escaping the name again; the
    key is the two names themselves, so a renamed patient is drawn from their new name at
    once."""
    return _text(f"{first_name} {last_name}".strip())


@functools.lru_cache(maxsize=64)
def _badge(status: str, words: str) -> str:
    """An inactive appointment's status badge: the same few (cancelled, did not attend) on
    every grid, drawn once per process."""
    said = _text(status)
    return f'<span class="badge booking-status booking-status-{said}">{_text(words)}</span>'


#: Every wall-clock time as a booked block says it ("09:05"), by hour and minute.
_CLOCK = tuple(tuple(f"{hour:02d}:{minute:02d}" for minute in range(60)) for hour in range(24))


# The few short labels a grid repeats (statuses, appointment types, rooms, marks), drawn once
# per process rather than once per appointment; patients' names are escaped each time.
@functools.lru_cache(maxsize=1024)
def _labels(status: str, type_name: str, room_name: str | None) -> tuple[str, str]:
    """The status for CSS classes, and the block's type, room and status badge (none for
    "booked") as drawn under the patient's name."""
    said = _text(status)
    room = f" &middot; {_text(room_name)}" if room_name is not None else ""
    badge = ""
    if status != "booked":
        words = _text(STATUS_WORDS.get(status, status))
        badge = f'<span class="badge booking-status booking-status-{said}">{words}</span>'
    return said, (
        f'<span class="d-block small text-body-secondary">{_text(type_name)}{room}</span>{badge}'
    )


@functools.lru_cache(maxsize=64)
def _mark(status: str, confirmed: bool, asked: bool) -> tuple[Mark | None, dict[str, str]]:
    """Whether the patient has said they are coming (`confirmation_mark`), and its markup by
    how a confirmation came (`confirmed_via`; "" for any other): a symbol (hidden from screen
    readers) and words, never colour alone."""
    mark = confirmation_mark(status=status, confirmed_at=True if confirmed else None, asked=asked)
    if mark is None:
        return None, {}
    return mark, {
        via: (
            f'<span class="d-block small booking-confirm booking-confirm-{_text(mark.key)}">'
            '<span class="booking-confirm-symbol" aria-hidden="true">'
            f"{symbol_html(mark)}</span> "
            f'<span class="visually-hidden">Reply to reminder: </span>'
            f"{_text(confirmation_words(mark, via))}</span>"
        )
        for via in ("", *CONFIRMED_VIA)
    }


@functools.lru_cache(maxsize=2048)
def _dressing(
    status: str, type_name: str, room_name: str | None, confirmed: bool, asked: bool
) -> tuple[str, str, dict[str, str] | None]:
    """What a booked appointment's block draws from its status, type, room and confirmation:
    `_labels` and `_mark`'s markup (None: no mark) in one look-up per appointment rather
    than two. The key is every value they are drawn from."""
    said, labels = _labels(status, type_name, room_name)
    mark, confirm = _mark(status, confirmed, asked)
    return said, labels, confirm if mark is not None else None
