"""An appointment as the calendars draw it: plain values from one read, not model instances.

A week shows about fifty appointments, and building each as an `Appointment` with its patient,
type and room (four model instances, `from_db` and the related populators) was about a tenth of
the week's build. The grid, the booked blocks, the day view's buttons, treatment's marks and the
audit note read only what is here, under the names the model gives them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.utils import timezone

from bookings.models import EARLY_ARRIVAL, Appointment

#: What `get_status_display()` gives, without its per-call work (a past week shows dozens).
STATUS_WORDS = dict(Appointment.Status.choices)


@dataclass(slots=True, eq=False)
class Named:
    name: str


@dataclass(slots=True, eq=False)
class CalendarPatient:
    pk: int
    public_id: UUID
    first_name: str
    last_name: str

    @property
    def full_name(self) -> str:  # as `Patient.full_name`
        return f"{self.first_name} {self.last_name}".strip()


@dataclass(slots=True, eq=False)
class CalendarItem:
    pk: int
    public_id: UUID
    start: dt.datetime
    end: dt.datetime
    status: str
    confirmed_at: dt.datetime | None
    confirmed_via: str
    therapist_id: int
    patient: CalendarPatient
    appointment_type: Named
    room_id: int | None
    room: Named | None
    asked_to_confirm: bool
    therapist: Any = None  # the column's therapist, set by `calendar_days`

    # What the audit note names an appointment by (`clinic.audit`): the model's label.
    _meta = Appointment._meta

    @classmethod
    def of(cls, row: dict) -> CalendarItem:
        """From a row of `bookings.selectors.CALENDAR_COLUMNS`."""
        return cls(
            pk=row["id"],
            public_id=row["public_id"],
            start=row["start"],
            end=row["end"],
            status=row["status"],
            confirmed_at=row["confirmed_at"],
            confirmed_via=row["confirmed_via"],
            therapist_id=row["therapist_id"],
            patient=CalendarPatient(
                row["patient_id"],
                row["patient__public_id"],
                row["patient__first_name"],
                row["patient__last_name"],
            ),
            appointment_type=Named(row["appointment_type__name"]),
            room_id=row["room_id"],
            room=Named(row["room__name"]) if row["room_id"] is not None else None,
            asked_to_confirm=row["asked_to_confirm"],
        )

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
    def is_active(self) -> bool:  # as `Appointment.is_active`
        return self.status in Appointment.ACTIVE_STATUSES

    @property
    def attendance_open(self) -> bool:  # as `Appointment.attendance_open`
        return timezone.now() >= self.start - EARLY_ARRIVAL

    def get_status_display(self) -> str:
        return str(STATUS_WORDS.get(self.status, self.status))
