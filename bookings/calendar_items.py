"""An appointment as the calendars draw it: plain values from one read, not model instances.

A week shows about fifty appointments, and building each as an `Appointment` with its patient,
type and room (four model instances, `from_db` and the related populators) was about a tenth of
the week's build. The grid, the booked blocks, the day view's buttons, treatment's marks and the
audit note read only what is here, under the names the model gives them.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import F, FloatField, Func
from django.utils import timezone

from bookings.models import EARLY_ARRIVAL, Appointment
from clinic.models import User

#: What `get_status_display()` gives, without its per-call work (a past week shows dozens).
STATUS_WORDS = dict(Appointment.Status.choices)

#: The columns `CalendarItem`'s fields are read from, in the order of its fields.
_SOURCES = (
    "id",
    "public_ref",  # text already on PostgreSQL; a UUID on SQLite
    "start",
    "end",
    "status",
    "confirmed_at",
    "confirmed_via",
    "therapist_id",
    "patient_id",
    "patient_ref",
    "patient__first_name",
    "patient__last_name",
    "appointment_type__name",
    "room_id",
    "room__name",
    "asked_to_confirm",
)


class _NotRead:
    """`CalendarItem.note_state` when the appointments' read did not carry it."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NOT_READ"


NOT_READ: Any = _NotRead()


#: On PostgreSQL an appointment's start and end are read under these names, as seconds since
#: 1970 (`timed_columns`), and made into datetimes in the calendar's zone here.
_SECONDS = {"start": "start_seconds", "end": "end_seconds"}


class _Seconds(FloatField):
    """`date_part('epoch', ...)`'s double precision, kept as the float psycopg2 reads: a type
    of its own so that Django adds no `float()` converter (a Python call per value)."""

    def get_internal_type(self) -> str:
        return "SecondsSinceEpoch"


def timed_columns(columns: tuple[str, ...]) -> tuple[tuple[str, ...], dict[str, Func]]:
    """The calendars' `columns` to read as they are, and the expressions to read beside them.
    On PostgreSQL the start and end come as seconds since 1970 rather than `timestamptz`:
    psycopg2 builds each timestamp through `datetime(...)` with a Python call for its zone,
    and every reader then converts it to the calendar's zone; `datetime.fromtimestamp` in
    `CalendarItem.all_of` does both in one C call. A double holds a microsecond exactly for
    any date a clinic books (its step near 2026 is a quarter of one)."""
    if connection.vendor != "postgresql":
        return columns, {}
    return tuple(name for name in columns if name not in _SECONDS), {
        _SECONDS[name]: Func(
            F(name), template="date_part('epoch', %(expressions)s)", output_field=_Seconds()
        )
        for name in columns
        if name in _SECONDS
    }


@functools.lru_cache(maxsize=8)
def _picker(names: tuple[str, ...]) -> tuple[operator.itemgetter, int, bool]:
    """What takes `CalendarItem`'s values out of a row with these columns, in its fields'
    order (one C call a row), where the status is, and whether the times are seconds
    (`timed_columns`): worked out once per column list."""
    seconds = _SECONDS["start"] in names
    sources = (_SECONDS.get(source, source) if seconds else source for source in _SOURCES)
    return (
        operator.itemgetter(*(names.index(source) for source in sources)),
        names.index("status"),
        seconds,
    )


@dataclass(slots=True, eq=False)
class Named:
    name: str


@dataclass(slots=True, eq=False)
class CalendarTherapist:
    """A therapist as the calendars show one (picker, columns, headings): what `User` gives for
    these few values, read as plain values (`selectors.therapists_shown`): a team of twenty
    was twenty `User` instances and twenty parsed UUIDs on every view of a calendar. Its
    public id is the database's text of the UUID, as a link writes it."""

    pk: int
    public_id: str
    first_name: str
    last_name: str
    email: str

    @classmethod
    def all_of(cls, names: list[str], rows: list[tuple]) -> list[CalendarTherapist]:
        """From rows of `selectors.therapists_shown`'s read as tuples (`names`: each value's
        column, as `clinic.rows.prepared_tuples` gives them), without a dict per row."""
        pick = operator.itemgetter(
            *(names.index(n) for n in ("id", "public_ref", "first_name", "last_name", "email"))
        )
        found = [cls(*pick(row)) for row in rows]
        if found and not isinstance(found[0].public_id, str):
            for person in found:  # SQLite (the demo) hands over UUIDs: print them as links do
                person.public_id = str(person.public_id)
        return found

    def get_full_name(self) -> str:  # as `User.get_full_name`
        return f"{self.first_name} {self.last_name}".strip()

    def __str__(self) -> str:  # as `User.__str__`
        return self.get_full_name() or self.email

    def __eq__(self, other) -> bool:
        """The same person (as two instances of one user are equal): another row or the
        `User` itself, with the same key."""
        if isinstance(other, CalendarTherapist | User):
            return self.pk == other.pk
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.pk)


@dataclass(slots=True, eq=False)
class CalendarPatient:
    pk: int
    public_id: str
    first_name: str
    last_name: str

    @property
    def full_name(self) -> str:  # as `Patient.full_name`
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(slots=True, eq=False)
class CalendarItem:
    """One appointment of a calendar, flat: its patient, type and room are built only when
    asked for (`patient`, `appointment_type`, `room`); the grid reads the flat values. Public
    ids are the database's text of the UUID (what a link or the audit trail writes), not
    parsed into `UUID`s."""

    pk: int
    public_id: str
    start: dt.datetime
    end: dt.datetime
    status: str
    confirmed_at: dt.datetime | None
    confirmed_via: str
    therapist_id: int
    patient_id: int
    patient_public_id: str
    patient_first_name: str
    patient_last_name: str
    type_name: str
    room_id: int | None
    room_name: str | None
    # Whether a reminder asked for a reply: worked out only for a booked, unconfirmed visit
    # (the only kind whose mark it decides); False for any other.
    asked_to_confirm: bool
    is_active: bool  # as `Appointment.is_active`: the grid asks several times per appointment
    therapist: Any = None  # the column's therapist, set by `calendar_days`
    # The session note's state read with the appointment (`selectors._note_state`): None
    # (not attended, or no note), False (a draft) or True (signed); NOT_READ when not read.
    note_state: Any = NOT_READ
    # The start and end as seconds since 1970 when read so (`timed_columns`), else None: the
    # instants compared without asking the times' zone for its offset.
    span: tuple[float, float] | None = None

    # What the audit note names an appointment by (`clinic.audit`): the model's label.
    _meta = Appointment._meta

    @classmethod
    def all_of(
        cls, names: list[str], rows: list[tuple], zone: dt.tzinfo | None = None
    ) -> list[CalendarItem]:
        """From rows of `bookings.selectors.CALENDAR_COLUMNS` as tuples (`names`: the column
        each value is, as `clinic.rows.prepared_tuples` gives them). Times read as seconds
        (`timed_columns`) become datetimes in `zone` (UTC if not given), the same instants
        as the `timestamptz` values."""
        pick, status, seconds = _picker(tuple(names))
        active = Appointment.ACTIVE_STATUSES
        if "note_state" in names:
            noted = names.index("note_state")
            items = [cls(*pick(row), row[status] in active, None, row[noted]) for row in rows]
        else:
            items = [cls(*pick(row), row[status] in active) for row in rows]
        if items and not isinstance(items[0].public_id, str):
            for item in items:  # SQLite (the demo) hands over UUIDs: print them as links do
                item.public_id, item.patient_public_id = (
                    str(item.public_id),
                    str(item.patient_public_id),
                )
        if seconds:
            at, zone = dt.datetime.fromtimestamp, zone or dt.UTC
            for item in items:
                begins, ends = item.start, item.end
                item.start, item.end, item.span = at(begins, zone), at(ends, zone), (begins, ends)
        return items

    @property
    def patient(self) -> CalendarPatient:
        return CalendarPatient(
            self.patient_id,
            self.patient_public_id,
            self.patient_first_name,
            self.patient_last_name,
        )

    @property
    def patient_name(self) -> str:  # as `Patient.full_name`
        return f"{self.patient_first_name} {self.patient_last_name}".strip()

    @property
    def appointment_type(self) -> Named:
        return Named(self.type_name)

    @property
    def room(self) -> Named | None:
        return Named(self.room_name) if self.room_id is not None else None

    def __eq__(self, other) -> bool:
        """The same appointment (as two model instances of one row are equal): another item,
        or the `Appointment` itself, with the same key."""
        if isinstance(other, CalendarItem | Appointment):
            return self.pk == other.pk
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.pk)

    @property
    def id(self) -> int:
        return self.pk

    @property
    def attendance_open(self) -> bool:  # as `Appointment.attendance_open`
        # In UTC: `start` may be in the calendar's zone, where subtracting is wall-clock
        # arithmetic, an hour off across a change of the clocks.
        return timezone.now() >= self.start.astimezone(dt.UTC) - EARLY_ARRIVAL

    def get_status_display(self) -> str:
        return str(STATUS_WORDS.get(self.status, self.status))
