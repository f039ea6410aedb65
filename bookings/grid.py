"""The calendar's time grid: pure layout, no ORM, no request.

Rows are wall-clock times in the clinic's zone, `STEP` apart, from the earliest working hour
or appointment shown to the latest (whole hours; `DEFAULT_HOURS` when nothing is shown).
Columns are one therapist on one day. Each column is cut into blocks that a table draws
with `rowspan`:

* `booked`: active appointments, placed by their start and length; appointments that share
  a row share one block, so nothing is drawn on top of anything else;
* `free`: one row of working time with nobody booked, a link to the booking form for that
  therapist, day and time (on today and later days), kept as its drawn markup only (`Free`);
* `closed`: outside working hours, and rows the clocks skip on a daylight-saving day;
* `past`: working time with nobody booked on a day gone by (nothing to book).

Runs of `closed` or `past` rows are one block, so a screen reader says "Closed" once per run.
Cancelled and did-not-attend appointments free their time: they are listed with the column
(`Column.inactive`), never drawn over a free row.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import math
import operator
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote_plus
from zoneinfo import ZoneInfo

from django.utils.html import escape
from django.utils.safestring import SafeString

from bookings.schedule import Interval, merge, utc
from clinic.filters import FilterText

STEP = dt.timedelta(minutes=15)
DEFAULT_HOURS = (dt.time(8, 0), dt.time(18, 0))
_DAY_MINUTES = 24 * 60


@dataclass(slots=True, eq=False)
class ColumnSpec:
    """What one column shows: a therapist's working time and appointments on one local day.

    `appointments` need `start`, `end` (aware) and `is_active`; `ref` goes into booking links.
    """

    day: dt.date
    therapist: Any
    name: str
    ref: str
    hours: Sequence[Interval]
    appointments: Sequence[Any]
    # `hours` in UTC, merged and in order, when the caller has them so (the calendars do):
    # saves converting every interval back to UTC per column.
    working: Sequence[Interval] | None = None


@dataclass
class Column:
    day: dt.date
    therapist: Any
    name: str
    hours: list[Interval]
    booked: int
    inactive: list[Any]
    active: list[Any] = field(default_factory=list)  # drawn in booked blocks, by start

    @property
    def short_date(self) -> str:
        return short_date(self.day)


@dataclass(slots=True, eq=False)
class Cell:
    """A booked block, or a run of closed or past rows (drawn already: `html`)."""

    kind: str  # booked, closed or past
    column: Column
    rows: int = 1
    appointments: list[Any] = field(default_factory=list)
    html: str = ""  # the drawn <td> of a closed or past run (booked: grid_html's)

    @property
    def label(self) -> str:
        """What a screen reader says of a closed or past run (a booked block names each of
        its appointments: grid_html)."""
        return _RUN_LABELS.get(self.kind, "")


_RUN_LABELS = {"closed": "Closed", "past": "Past, nothing booked"}


class Free(SafeString):
    """A free row of a column: a link to the booking form for its therapist, day and time,
    kept as nothing but its drawn `<td>` (a week has a hundred or more, and an object with
    the label and parameters apart from the markup cost more to build than the markup)."""

    __slots__ = ()
    kind = "free"
    rows = 1
    appointments = ()

    @property
    def html(self) -> str:
        return self


@dataclass(slots=True)
class Row:
    time: dt.time
    cells: list[Cell | Free]  # rows covered by a block above are left out, as `rowspan` wants
    said: str = ""  # the time as the table's first column says it ("09:15")
    head: str = ""  # the row's drawn start, `<tr>` and time heading (grid_html)

    @property
    def on_the_hour(self) -> bool:
        return self.time.minute == 0


@dataclass
class Grid:
    columns: list[Column]
    rows: list[Row]
    zone: ZoneInfo | None = None
    # Each drawn appointment's start and end in `zone` (by `id` of the appointment): worked out
    # once for the layout, and read again by the table when it draws in the same zone.
    local: dict[int, tuple[dt.datetime, dt.datetime]] = field(default_factory=dict)

    @property
    def has_inactive(self) -> bool:
        return any(column.inactive for column in self.columns)

    @property
    def booked(self) -> list[Any]:
        """Every appointment drawn in a booked block, column by column (one that runs past
        midnight is in each of its days' columns)."""
        return [item for column in self.columns for item in column.active]


def build(
    *,
    columns: Sequence[ColumnSpec],
    zone: ZoneInfo,
    today: dt.date,
    step: dt.timedelta = STEP,
    book_url: str = "",
) -> Grid:
    """Lay out `columns` on rows `step` apart. Every row has exactly one cell or one block
    covering it in every column, so the table it draws is rectangular. Free cells link to
    `book_url` with their therapist, day and time."""
    step_minutes = int(step.total_seconds() // 60)
    # Each active appointment's rows and each working interval's ends, as minutes of its
    # column's day: worked out once, for the rows' range and for the blocks.
    local: dict[int, tuple[dt.datetime, dt.datetime]] = {}
    shown = [_Shown.of(spec, zone, local) for spec in columns]
    first, last = _row_range(shown)
    times, said, quoted, heads = _row_times(first, last, step_minutes)
    # Every column of a day shares the day's row times (four therapists: four columns a day).
    clocks: dict[dt.date, _Clock] = {}
    for spec in columns:
        if spec.day not in clocks:
            clocks[spec.day] = _clock(spec.day, first, step_minutes, len(times), zone)
    link = escape(book_url) + ("&" if "?" in book_url else "?")  # a site's URL names its site
    laid_out = [
        _blocks(
            spec,
            seen,
            first=first,
            step=step_minutes,
            count=len(times),
            clock=clocks[spec.day],
            today=today,
            link=link,
            said=said,
            quoted=quoted,
        )
        for spec, seen in zip(columns, shown, strict=True)
    ]
    # Each row's cells and blocks, column by column: a block goes to the row it starts on
    # (one step a block, rather than a look in every column for every row).
    cells: list[list[Cell | Free]] = [[] for _ in times]
    for _, blocks in laid_out:
        for index, block in blocks.items():
            cells[index].append(block)
    rows = list(map(Row, times, cells, said, heads))
    return Grid(columns=[column for column, _ in laid_out], rows=rows, zone=zone, local=local)


@functools.lru_cache(maxsize=256)
def _row_times(first: int, last: int, step: int) -> tuple[tuple, ...]:
    """The rows' times from minute `first` to `last`: as times, as the table and free cells
    say them ("09:15"), as booking links carry them, and each row's drawn start (its `<tr>`,
    marked on the hour, and time heading). The same few ranges serve every grid, so they are
    worked out once per process rather than once per grid."""
    times = tuple(dt.time(minute // 60, minute % 60) for minute in range(first, last, step))
    said = tuple(f"{time:%H:%M}" for time in times)
    heads = tuple(
        f'<tr class="{"grid-hour" if time.minute == 0 else "grid-quarter"}">'
        f'<th scope="row" class="grid-time">{text}</th>'
        for time, text in zip(times, said, strict=True)
    )
    return times, said, tuple(quote_plus(text) for text in said), heads


def _minutes(value: dt.datetime, day: dt.date, zone: ZoneInfo) -> int:
    """Wall-clock minutes since local midnight of `day`, clipped to the day."""
    return _local_minutes(value.astimezone(zone), day)


def _local_minutes(local: dt.datetime, day: dt.date) -> int:
    """`_minutes` of a time already in the grid's zone."""
    on = local.date()
    if on != day:
        return 0 if on < day else _DAY_MINUTES
    return local.hour * 60 + local.minute + (1 if local.second or local.microsecond else 0)


@dataclass(slots=True)
class _Shown:
    """A column's active appointments (by start) with each one's minutes of the day, and its
    working intervals' minutes: each time converted to the zone once."""

    active: list[Any]
    spans: list[tuple[int, int]]
    hours: list[tuple[int, int]]

    @classmethod
    def of(cls, spec: ColumnSpec, zone: ZoneInfo, local: dict) -> _Shown:
        """`local`: each appointment's start and end in `zone` so far, by `id`; filled in
        here (an appointment past midnight is in two columns, converted once)."""
        day = spec.day
        active = sorted((a for a in spec.appointments if a.is_active), key=_start_instant)
        spans = []
        for item in active:
            times = local.get(id(item))
            if times is None:
                times = local[id(item)] = (item.start.astimezone(zone), item.end.astimezone(zone))
            begins, ends = times
            # `_local_minutes` of both ends, written out: two calls for every appointment of
            # a week were most of this loop. Most visits start and end on the column's day.
            if begins.date() == day and ends.date() == day:
                top = begins.hour * 60 + begins.minute
                bottom = ends.hour * 60 + ends.minute
                if begins.second or begins.microsecond:
                    top += 1
                if ends.second or ends.microsecond:
                    bottom += 1
                spans.append((top, bottom))
            else:
                spans.append((_local_minutes(begins, day), _local_minutes(ends, day)))
        return cls(
            active,
            spans,
            [(_minutes(start, day, zone), _minutes(end, day, zone)) for start, end in spec.hours],
        )


def _start_instant(item: Any) -> float:
    """What appointments are ordered by: the instant they start. Not the datetime itself:
    the calendars' items carry their times in the calendar's zone, and two times in one zone
    compare by their wall clocks, which in the hour the clocks go back would put a later visit
    before an earlier one. The seconds it was read as where the item has them
    (`CalendarItem.span`): `timestamp()` asks the zone for its offset."""
    span = getattr(item, "span", None)
    return span[0] if span is not None else item.start.timestamp()


def _row_range(shown: Sequence[_Shown]) -> tuple[int, int]:
    spans = [span for seen in shown for span in (*seen.hours, *seen.spans)]
    if not spans:
        return tuple(t.hour * 60 + t.minute for t in DEFAULT_HOURS)
    # The earliest start and latest end by C calls (`min` over a generator ran a Python frame
    # step per span); a visit from the evening before starts at 00:00.
    first = max(0, min(map(_FIRST, spans)) // 60 * 60)
    last = min(_DAY_MINUTES, math.ceil(max(map(_SECOND, spans)) / 60) * 60)
    return first, max(last, first + 60)


_FIRST, _SECOND = operator.itemgetter(0), operator.itemgetter(1)


def _wall_clock(day: dt.date, minute: int, zone: ZoneInfo) -> tuple[dt.datetime, ...] | None:
    """The local time `minute` minutes after midnight on `day` and the same instant in UTC, or
    None if the clocks skip that time."""
    day += dt.timedelta(days=minute // _DAY_MINUTES)
    minute %= _DAY_MINUTES
    naive = dt.datetime.combine(day, dt.time(minute // 60, minute % 60))
    wall = naive.replace(tzinfo=zone)
    instant = utc(wall)
    if instant.astimezone(zone).replace(tzinfo=None) != naive:
        return None
    return wall, instant


@functools.lru_cache(maxsize=1024)
def _clock(day: dt.date, first: int, step: int, count: int, zone: ZoneInfo) -> _Clock:
    """`_Clock.of`, kept per process: a day's row boundaries depend on nothing but these
    (its lists, when built, are the same for every grid that asks), and a year's weeks are a
    few hundred days."""
    return _Clock.of(day, first, step, count, zone)


class _Clock:
    """A day's row boundaries: the local wall-clock time of each (None where the clocks skip
    it) and the same instant in UTC, worked out once per day rather than once per column.

    On a day the clocks do not change between the first row and the last (every day but two a
    year) each row's instant is its wall time less one offset: `first_instant` is the first
    row's, and the lists are only built when asked for (`kinds` needs neither)."""

    def __init__(self, walls=None, instants=None, *, naive=None, zone=None, first_instant=None):
        self._walls, self._instants = walls, instants
        self._naive, self._zone = naive, zone
        self.first_instant: dt.datetime | None = first_instant

    @classmethod
    def of(cls, day: dt.date, first: int, step: int, count: int, zone: ZoneInfo) -> _Clock:
        midnight = dt.datetime.combine(day, dt.time())
        start, end = (midnight + dt.timedelta(minutes=first + n * step) for n in (0, count))
        offset = start.replace(tzinfo=zone).utcoffset()
        if end.replace(tzinfo=zone).utcoffset() == offset and all(
            # Both ends exist (Havana's clocks skip midnight itself).
            (wall - offset).replace(tzinfo=dt.UTC).astimezone(zone).replace(tzinfo=None) == wall
            for wall in (start, end)
        ):
            return cls(
                naive=(midnight, first, step, count),
                zone=zone,
                first_instant=(start - offset).replace(tzinfo=dt.UTC),
            )
        found = [_wall_clock(day, first + index * step, zone) for index in range(count + 1)]
        return cls(
            [times[0] if times else None for times in found],
            [times[1] if times else None for times in found],
        )

    def _steady(self) -> list[dt.datetime]:
        midnight, first, step, count = self._naive
        return [midnight + dt.timedelta(minutes=first + n * step) for n in range(count + 1)]

    @property
    def walls(self) -> list[dt.datetime | None]:
        if self._walls is None:
            self._walls = [wall.replace(tzinfo=self._zone) for wall in self._steady()]
        return self._walls

    @property
    def instants(self) -> list[dt.datetime | None]:
        if self._instants is None:
            step = dt.timedelta(minutes=self._naive[2])
            self._instants = [self.first_instant + n * step for n in range(self._naive[3] + 1)]
        return self._instants

    def kinds(self, working: list[Interval], step: int, *, past: bool) -> list[str]:
        """closed, free or past for each row, given the merged working `working` (UTC)."""
        count = self._naive[3] if self._naive else len(self._instants) - 1
        if self.first_instant is None:  # the clocks change: row by row
            instants = self._instants
            return [
                _kind(instants[index], instants[index + 1], step, working, past=past)
                for index in range(count)
            ]
        # One offset all day: the rows inside each working interval, by arithmetic. A row
        # [start, start + step) works when begins <= start and start + step <= ends.
        length, open_kind = dt.timedelta(minutes=step), "past" if past else "free"
        kinds = ["closed"] * count
        for begins, ends in working:
            top = -((self.first_instant - begins) // length)  # the first row starting >= begins
            bottom = (ends - self.first_instant) // length  # past the last row ending <= ends
            top, bottom = (top if top > 0 else 0), (bottom if bottom < count else count)
            if top < bottom:
                kinds[top:bottom] = [open_kind] * (bottom - top)
        return kinds


def escape_text(value) -> str:
    """What Django's `escape` gives, as a plain string, without its wrapper for lazy strings:
    the grid escapes several hundred values a week, and the wrapper was half the cost."""
    return html.escape(str(value))


@functools.lru_cache(maxsize=1024)
def long_date(day: dt.date) -> str:
    """The day as "Monday 7 December" (the `date` filter's "l j F"). Said in every free cell
    and booked block of a week (hundreds), so kept per day. Drawn by `FilterText`, as
    `short_date`: one place writes the site's day and month names, where `strftime` asked the
    C library for the process's locale's (English only because no locale is set)."""
    return FilterText(dt.UTC).date(day, "l j F")


@functools.lru_cache(maxsize=1024)
def short_date(day: dt.date) -> str:
    """The day as "Mon 7 Dec" (the `date` filter's "D j M"), for the columns' headings: kept
    per day, as `long_date`. Drawn by `FilterText`, which writes the site's English day names
    itself: Django's formatter cost about 105k instructions for each day the process had not
    drawn yet, seven a week, and a year of weeks is mostly such days for a worker's first
    hours. (A date has no zone: the zone given is never read.)"""
    return FilterText(dt.UTC).date(day, "D j M")


def _blocks(
    spec: ColumnSpec,
    shown: _Shown,
    *,
    first: int,
    step: int,
    count: int,
    clock: _Clock,
    today: dt.date,
    link: str,
    said: Sequence[str],
    quoted: Sequence[str],
) -> tuple[Column, dict[int, Cell | Free]]:
    """The column, and its cells and blocks keyed by the row each one starts on. `link`: the
    booking form's URL, escaped, ending in `?` or `&` for the free cells' parameters;
    `said`, `quoted`: each row's wall time as "HH:MM" and as a URL parameter."""
    column = Column(
        day=spec.day,
        therapist=spec.therapist,
        name=spec.name,
        hours=list(spec.hours),
        booked=len(shown.active),
        inactive=[a for a in spec.appointments if not a.is_active],
        active=shown.active,
    )
    booked_at = _booked_rows(shown, first=first, step=step, count=count)
    working = spec.working
    if working is None:
        working = merge((utc(start), utc(end)) for start, end in spec.hours)
    kinds = clock.kinds(working, step, past=spec.day < today)
    # Found at the first free row (past and full days have none), drawn at the first miss.
    free = parts = None

    blocks: dict[int, Cell | Free] = {}
    # A column's rows are "closed" or its one open kind (free, or past on a day gone by): a
    # run of closed or past rows ends at the first row of the other kind or the next booked
    # block, found by `list.index` (a C scan) rather than a Python step per row.
    other = {"closed": "past" if spec.day < today else "free"}
    other[other["closed"]] = "closed"
    tops = iter(sorted(booked_at))  # booked blocks never overlap: each starts below the last
    upcoming = next(tops, count)
    index = 0
    while index < count:
        if index == upcoming:
            bottom, items = booked_at[index]
            blocks[index] = Cell("booked", column, bottom - index, items)
            index = bottom
            upcoming = next(tops, count)
        elif (kind := kinds[index]) == "free":
            if free is None:
                free = _free_cells(link, spec.ref, spec.name, spec.day, first, step, count)
            cell = free[index]
            if cell is None:
                if parts is None:
                    parts = _free_parts(link, spec.ref, spec.day, spec.name)
                head, middle, tail = parts
                # A free row's wall time is its row's time: the clocks do not skip it.
                cell = free[index] = Free(f"{head}{quoted[index]}{middle}{said[index]}{tail}")
            blocks[index] = cell
            index += 1
        else:
            top = index
            try:
                index = kinds.index(other[kind], top + 1, upcoming)
            except ValueError:  # the run goes on to the next booked block (or the last row)
                index = upcoming
            block = blocks[top] = Cell(kind, column, index - top)
            block.html = _cell_html(block)
    return column, blocks


@functools.lru_cache(maxsize=512)
def _free_cells(
    link: str, ref: str, name: str, day: dt.date, first: int, step: int, count: int
) -> list[Free | None]:
    """A column's free cells by row (`count` rows from minute `first`, `step` apart), each
    drawn the first time its row is found free and kept: the markup of a free cell depends on
    nothing but these arguments (the booking form's URL, the therapist's reference and name,
    the day, the row's time), so a column drawn again (the same week asked for again) takes
    its free cells as they were drawn rather than building each one's markup again. A renamed
    therapist or another booking URL (a site's) is another key; a row never found free is
    never drawn. At most 512 columns are kept (a few megabytes)."""
    return [None] * count


def _free_parts(link: str, ref: str, day: dt.date, name: str) -> tuple[str, str, str]:
    """What every free cell of a column shares, escaped once (escaping is per character, so
    escaping the parts gives what escaping the whole does): the booking form's parameters (the
    column's therapist and day, then the row's time) and the words around the time."""
    column_query = f"therapist={_quoted(ref)}&date={day.isoformat()}"  # as urlencode writes it
    return (
        '<td class="grid-cell grid-free"><a class="grid-free-link"'
        f' href="{link}{escape_text(column_query)}&amp;time=',
        f'" data-grid-cell><span class="visually-hidden">Free, {escape_text(long_date(day))} ',
        f" with {escape_text(name)}</span></a></td>",
    )


@functools.lru_cache(maxsize=1024)
def _quoted(ref: str) -> str:
    """A therapist's reference as a URL parameter: the same few on every grid."""
    return quote_plus(ref)


def _cell_html(cell: Cell) -> SafeString:
    """The table cell of a closed or past block (free cells are drawn in `_blocks`). Drawn
    here rather than in the template because a week has hundreds of these cells and templating
    them was most of its build."""
    return _run_html(cell.kind, cell.rows)


@functools.lru_cache(maxsize=1024)
def _run_html(kind: str, rows: int) -> SafeString:
    """`_cell_html` of a run: its markup depends on nothing but its kind (closed or past) and
    its number of rows, so the few a grid draws are drawn once per process. The markup is
    made a `SafeString` directly, as `mark_safe` does for a plain string, without
    `mark_safe`'s check for lazy strings."""
    label = escape_text(_RUN_LABELS.get(kind, ""))
    rowspan = f' rowspan="{rows}"' if rows > 1 else ""
    return SafeString(  # nosec B703 B308: every value escaped
        f'<td class="grid-cell grid-{escape_text(kind)}"{rowspan}>'
        f'<span class="visually-hidden">{label}</span></td>'
    )


def _booked_rows(
    shown: _Shown, *, first: int, step: int, count: int
) -> dict[int, tuple[int, list[Any]]]:
    """{first row: (end row, appointments)}: appointments (sorted by start) whose rows
    overlap share one block."""
    occupied: list[tuple[int, int, list[Any]]] = []
    for appointment, (starts, ends) in zip(shown.active, shown.spans, strict=True):
        top = (starts - first) // step
        bottom = -((first - ends) // step)  # rounded up
        # Clamped to the grid by comparisons: `min(max(...))` here was four calls of the
        # builtins (each parsing its arguments) for every appointment of a week.
        if top < 0:
            top = 0
        elif top > count - 1:
            top = count - 1
        if bottom <= top:
            bottom = top + 1
        if bottom > count:
            bottom = count
        if occupied and top < occupied[-1][1]:
            last_top, last_bottom, items = occupied[-1]
            occupied[-1] = (last_top, max(last_bottom, bottom), [*items, appointment])
        else:
            occupied.append((top, bottom, [appointment]))
    return {top: (bottom, items) for top, bottom, items in occupied}


def _kind(
    start: dt.datetime | None,
    end: dt.datetime | None,
    step: int,
    working: list[Interval],
    *,
    past: bool,
) -> str:
    """closed, free or past, for the row starting at `start` (UTC; None: the clocks skip it)
    and ending at `end` (None: `step` minutes later)."""
    if start is None:
        return "closed"
    end = end if end is not None else start + dt.timedelta(minutes=step)
    # `working` is merged already (`schedule.covers` would merge it again for every row).
    if not any(begins <= start and end <= ends for begins, ends in working):
        return "closed"
    return "past" if past else "free"
