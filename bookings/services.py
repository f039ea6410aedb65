"""Writes for bookings: book, move, cancel and change status.

Every write that takes a slot runs the same checks, in this order, and reports every problem
it finds as a `BookingConflictError` with plain-language messages:

1. the slot lies inside the therapist's working time (unless staff tick the override);
2. no active appointment of the therapist, the patient or the room overlaps it.

Concurrency: the therapist's row is locked (`SELECT ... FOR UPDATE`) for the transaction,
so two receptionists booking the same therapist queue up and the second sees the first's
appointment. Clashes the lock cannot serialise (the same patient or room with two different
therapists) are caught by the PostgreSQL exclusion constraints; their IntegrityError is
turned into the same `BookingConflictError`.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone

from bookings import closures, emails, selectors
from bookings.models import (
    Appointment,
    AppointmentStatusChange,
    AppointmentType,
    Room,
)
from bookings.reminders import appointment_reminder_follow
from bookings.waitlist.offers import waitlist_time_freed
from clinic.models import User
from clinic.sites import Site, default_site_id

CONSTRAINT_MESSAGES = {
    "bookings_appointment_therapist_no_overlap": "The therapist already has an appointment then.",
    "bookings_appointment_patient_no_overlap": "The patient already has an appointment then.",
    "bookings_appointment_room_no_overlap": "The room is already in use then.",
}

#: Which status may follow which. Cancelled, completed and no-show are final.
TRANSITIONS = {
    Appointment.Status.BOOKED: {
        Appointment.Status.ARRIVED,
        Appointment.Status.COMPLETED,
        Appointment.Status.NO_SHOW,
        Appointment.Status.CANCELLED,
    },
    Appointment.Status.ARRIVED: {Appointment.Status.COMPLETED},
}


class BookingConflictError(Exception):
    """The slot cannot be taken; `messages` says why, one sentence per problem."""

    def __init__(self, messages: list[str]):
        self.messages = messages
        super().__init__(" ".join(messages))


class BookingNotAllowedError(Exception):
    """The change is not allowed (wrong status, or too late for the patient to cancel)."""


def _as_utc(value: dt.datetime) -> dt.datetime:
    """Aware and in UTC: `start + duration` on a London datetime is wall-clock arithmetic and
    goes wrong in the repeated hour when the clocks go back."""
    if timezone.is_naive(value):
        raise ValueError("Appointment times must be timezone-aware.")
    return value.astimezone(dt.UTC)


def _slot_problems(
    *,
    therapist: User,
    patient,
    room: Room | None,
    start: dt.datetime,
    end: dt.datetime,
    allow_outside_hours: bool,
    place: Site | None,
    site: Site | None = None,
    exclude_pk: int | None = None,
) -> list[str]:
    """`place`: the site whose working time covers the slot, or None outside it; then the
    site it would be at (`site` chosen, see `selectors.booking_site`) may be closed for a
    public holiday, and the message says so."""
    problems = []
    if therapist.role != User.Role.THERAPIST or not therapist.is_active:
        problems.append(f"{therapist} does not take appointments.")
    if not allow_outside_hours and place is None:
        there = selectors.booking_site(
            therapist_id=therapist.pk, start=start, site=site, room=room, patient=patient
        )
        day, holiday = closures.holiday_on(start=start, site=there)
        closed = f"{day:%a %d %b} is a public holiday ({holiday}): the clinic is closed"
        problems.append(
            f"{closed if holiday else f'{therapist} is not working then'}. Choose another "
            "time, or tick 'Book outside working hours' to book it anyway."
        )
    problems.extend(
        selectors.appointment_conflicts(
            therapist=therapist,
            patient=patient,
            room=room,
            start=start,
            end=end,
            exclude_pk=exclude_pk,
        )
    )
    return problems


def _site_for(
    *,
    therapist: User,
    patient,
    room: Room | None,
    start: dt.datetime,
    end: dt.datetime,
    site: Site | None,
) -> tuple[Site | None, int, list[str]]:
    """Where the visit is: the site whose working hours of the therapist cover it; outside
    them, the `site` chosen, else the room's, the patient's preferred or the default site.
    Returns the covering site (None outside hours), the site id, and the problems: a chosen
    site the hours say otherwise about, or a room at another site. Two queries (three when
    nothing names a site)."""
    covering = selectors.site_covering(therapist_id=therapist.pk, start=start, end=end)
    problems = []
    if covering is not None:
        place_id = covering.pk
        if site is not None and site.pk != covering.pk:
            problems.append(
                f"{therapist} works at {covering} then, not at {site}: choose {covering}, "
                "or another time."
            )
    else:
        place_id = (
            (site.pk if site is not None else None)
            or (room.site_id if room is not None else None)
            or patient.preferred_site_id
            or default_site_id()
        )
    if room is not None and room.site_id != place_id:
        place = covering or site or Site.objects.get(pk=place_id)
        problems.append(f"{room} is at {room.site}, and this appointment is at {place}.")
    return covering, place_id, problems


def _lock_therapist(therapist: User) -> None:
    User.objects.select_for_update().filter(pk=therapist.pk).first()


def _friendly_integrity_error(exc: IntegrityError) -> BookingConflictError:
    text = str(exc)
    for name, message in CONSTRAINT_MESSAGES.items():
        if name in text:
            return BookingConflictError([message])
    raise exc


def _save_guarded(appointment: Appointment, **save_kwargs) -> None:
    try:
        with transaction.atomic():
            appointment.save(**save_kwargs)
    except IntegrityError as exc:
        raise _friendly_integrity_error(exc) from exc


def _record_status(
    appointment: Appointment, *, from_status: str, by: User | None, reason: str = ""
) -> None:
    AppointmentStatusChange.objects.create(
        appointment=appointment,
        from_status=from_status,
        to_status=appointment.status,
        changed_by=by,
        reason=reason,
        late_cancellation=appointment.late_cancellation,
    )


def _default_episode(patient):
    """The patient's latest open episode: most bookings continue the current problem."""
    return patient.episodes.filter(status="open").order_by("-number").first()


@transaction.atomic
def appointment_book(
    *,
    patient,
    therapist: User,
    appointment_type: AppointmentType,
    start: dt.datetime,
    by: User | None,
    room: Room | None = None,
    episode=None,
    notes: str = "",
    allow_outside_hours: bool = False,
    series_id: uuid.UUID | None = None,
    notify: bool = True,
    site: Site | None = None,
) -> Appointment:
    """Book one appointment or raise BookingConflictError; the confirmation goes after commit.
    The appointment is at the site whose working hours cover it; `site` says where an
    appointment outside working hours is (see `_site_for`)."""
    start = _as_utc(start)
    end = start + appointment_type.duration
    _lock_therapist(therapist)
    covering, site_id, problems = _site_for(
        therapist=therapist, patient=patient, room=room, start=start, end=end, site=site
    )
    inside = covering is not None
    problems += _slot_problems(
        therapist=therapist,
        patient=patient,
        room=room,
        start=start,
        end=end,
        allow_outside_hours=allow_outside_hours,
        place=covering,
        site=site,
    )
    if problems:
        raise BookingConflictError(problems)
    appointment = Appointment(
        patient=patient,
        therapist=therapist,
        appointment_type=appointment_type,
        site_id=site_id,
        room=room,
        episode=episode if episode is not None else _default_episode(patient),
        start=start,
        end=end,
        notes=notes,
        outside_hours=not inside,
        series_id=series_id,
        created_by=by,
    )
    _save_guarded(appointment)
    appointment_reminder_follow(appointment=appointment, created=True)
    _record_status(appointment, from_status="", by=by)
    if notify:
        emails.queue([appointment], emails.Kind.CONFIRMATION)
    return appointment


@transaction.atomic
def appointment_series_book(
    *,
    patient,
    therapist: User,
    appointment_type: AppointmentType,
    start: dt.datetime,
    weeks: int,
    by: User | None,
    room: Room | None = None,
    notes: str = "",
    allow_outside_hours: bool = False,
    site: Site | None = None,
) -> list[Appointment]:
    """Book the same local time weekly for `weeks` weeks: all of them, or none.

    Weeks on the public holidays of the site the series is at (`selectors.booking_site`) are
    left out (`selectors.series_plan` says which, and why, so callers can tell the user
    before and after). Every conflicting week of the rest is reported (one
    BookingConflictError listing them all) before anything is saved. Weekly steps keep the
    site's local clock time across daylight-saving changes.
    """
    start = _as_utc(start)
    if not 1 <= weeks <= 26:
        raise ValueError("A series runs for 1 to 26 weeks.")
    where = selectors.booking_site(
        therapist_id=therapist.pk, start=start, site=site, room=room, patient=patient
    )
    plan = selectors.series_plan(start=start, weeks=weeks, site=where)
    if not plan.starts:
        raise BookingConflictError(
            [f"Every week falls on a public holiday: {', '.join(plan.skipped_labels)}."]
        )
    _lock_therapist(therapist)
    problems = []
    for when in plan.starts:
        end = when + appointment_type.duration
        covering, _, found = _site_for(
            therapist=therapist, patient=patient, room=room, start=when, end=end, site=site
        )
        found += _slot_problems(
            therapist=therapist,
            patient=patient,
            room=room,
            start=when,
            end=end,
            allow_outside_hours=allow_outside_hours,
            place=covering,
            site=site,
        )
        label = f"{when.astimezone(plan.zone):%a %d %b %Y %H:%M}"
        problems.extend(f"{label}: {problem}" for problem in found)
    if problems:
        raise BookingConflictError(problems)
    series_id = uuid.uuid4() if weeks > 1 else None
    booked = [
        appointment_book(
            patient=patient,
            therapist=therapist,
            appointment_type=appointment_type,
            start=when,
            by=by,
            room=room,
            notes=notes,
            allow_outside_hours=allow_outside_hours,
            series_id=series_id,
            notify=False,
            site=site,
        )
        for when in plan.starts
    ]
    # One email with every date and one calendar file holding them all.
    emails.queue(booked, emails.Kind.CONFIRMATION)
    return booked


@transaction.atomic
def appointment_move(
    *,
    appointment: Appointment,
    start: dt.datetime,
    by: User | None,
    therapist: User | None = None,
    room: Room | None = None,
    allow_outside_hours: bool = False,
    site: Site | None = None,
) -> Appointment:
    """Move a booked appointment to a new start (and optionally therapist and room).
    Its site follows the working hours it moves into (or `site`, see `_site_for`).

    The length stays the appointment type's. Raises BookingConflictError or BookingNotAllowedError.
    """
    start = _as_utc(start)
    therapist = therapist or appointment.therapist
    _lock_therapist(therapist)
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if appointment.status != Appointment.Status.BOOKED:
        raise BookingNotAllowedError("Only a booked appointment can be moved.")
    end = start + appointment.appointment_type.duration
    covering, site_id, problems = _site_for(
        therapist=therapist,
        patient=appointment.patient,
        room=room,
        start=start,
        end=end,
        site=site,
    )
    inside = covering is not None
    if not inside and site is None and room is None:
        site_id = appointment.site_id  # moved outside hours, nothing says where: it stays
    problems += _slot_problems(
        therapist=therapist,
        patient=appointment.patient,
        room=room,
        start=start,
        end=end,
        allow_outside_hours=allow_outside_hours,
        place=covering,
        site=site,
        exclude_pk=appointment.pk,
    )
    if problems:
        raise BookingConflictError(problems)
    freed = (
        appointment.therapist,
        appointment.start,
        appointment.end,
        appointment.room,
        appointment.site_id,
    )
    appointment.start, appointment.end = start, end
    appointment.therapist = therapist
    appointment.room = room
    appointment.site_id = site_id
    appointment.outside_hours = not inside
    appointment.sequence += 1
    appointment._change_reason = f"Moved by {by}" if by else "Moved"
    _save_guarded(appointment)
    appointment_reminder_follow(appointment=appointment)
    emails.queue([appointment], emails.Kind.CHANGED)
    old_therapist, old_start, old_end, old_room, old_site_id = freed
    waitlist_time_freed(
        therapist=old_therapist,
        start=old_start,
        end=old_end,
        room=old_room,
        site_id=old_site_id,
    )
    return appointment


def is_late_cancellation(appointment: Appointment, *, now: dt.datetime | None = None) -> bool:
    """Inside the notice window (BOOKING_CANCEL_NOTICE_HOURS before the start)?"""
    now = now or timezone.now()
    return appointment.start - now < selectors.cancel_notice()


def patient_may_cancel(appointment: Appointment, *, now: dt.datetime | None = None) -> bool:
    return appointment.status == Appointment.Status.BOOKED and not is_late_cancellation(
        appointment, now=now
    )


@transaction.atomic
def appointment_cancel(
    *,
    appointment: Appointment,
    by: User | None,
    reason: str,
    late: bool | None = None,
) -> Appointment:
    """Cancel a booked appointment. `late` defaults to whether it is inside the notice window."""
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if appointment.status != Appointment.Status.BOOKED:
        raise BookingNotAllowedError("Only a booked appointment can be cancelled.")
    previous = appointment.status
    appointment.status = Appointment.Status.CANCELLED
    appointment.cancellation_reason = reason[:200]
    appointment.late_cancellation = is_late_cancellation(appointment) if late is None else late
    appointment.sequence += 1
    appointment._change_reason = reason[:100]
    appointment.save()
    appointment_reminder_follow(appointment=appointment)
    _record_status(appointment, from_status=previous, by=by, reason=reason[:200])
    emails.queue([appointment], emails.Kind.CANCELLED)
    waitlist_time_freed(
        therapist=appointment.therapist,
        start=appointment.start,
        end=appointment.end,
        room=appointment.room,
        site_id=appointment.site_id,
    )
    return appointment


def appointment_confirm(
    *,
    appointment: Appointment,
    now: dt.datetime | None = None,
    via: str = Appointment.ConfirmedVia.TEXT,
) -> bool:
    """The patient confirmed they are coming (`via` a Y reply to the text reminder, or by
    phone: see bookings/confirmation_services.py). True if this confirmed it; False if it was
    no longer booked or already confirmed (a repeated reply changes nothing)."""
    with transaction.atomic():
        appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
        if appointment.status != Appointment.Status.BOOKED or appointment.confirmed_at:
            return False
        appointment.confirmed_at = now or timezone.now()
        appointment.confirmed_via = via
        appointment._change_reason = f"Confirmed {Appointment.ConfirmedVia(via).label.lower()}"
        appointment.save(update_fields=["confirmed_at", "confirmed_via", "updated_at"])
    return True


def appointment_cancel_by_patient(*, appointment: Appointment, user: User) -> Appointment:
    """A patient cancels online: only their own, only before the notice window."""
    if appointment.patient.user_id != user.pk:
        raise BookingNotAllowedError("This is not your appointment.")
    if not patient_may_cancel(appointment):
        raise BookingNotAllowedError("It is too late to cancel online.")
    return appointment_cancel(
        appointment=appointment, by=user, reason="Cancelled online by the patient", late=False
    )


@transaction.atomic
def appointment_set_status(
    *, appointment: Appointment, status: str, by: User | None, reason: str = ""
) -> Appointment:
    """Mark arrived, completed or no-show. Cancelling has its own service.

    Attendance is recorded only once the visit can have happened: arrived from EARLY_ARRIVAL
    before the start, completed and did not attend from the start. Otherwise a future
    appointment could be marked did not attend, which frees its slot for someone else.
    """
    if status == Appointment.Status.CANCELLED:
        return appointment_cancel(appointment=appointment, by=by, reason=reason)
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    label = Appointment.Status(status).label.lower()
    if status not in TRANSITIONS.get(appointment.status, set()):
        raise BookingNotAllowedError(
            f"A {appointment.get_status_display().lower()} appointment cannot be marked {label}."
        )
    opens = appointment.attendance_opens_at(status)
    if opens is not None and timezone.now() < opens:
        zone = selectors.clinic_zone()
        start = appointment.start.astimezone(zone)
        raise BookingNotAllowedError(
            f"This appointment has not started yet (it starts {start:%a} {start.day} "
            f"{start:%b} at {start:%H:%M}), so it cannot be marked {label}. You can record it from "
            f"{opens.astimezone(zone):%H:%M} on the day."
        )
    previous = appointment.status
    appointment.status = status
    appointment._change_reason = reason[:100]
    appointment.save(update_fields=["status", "updated_at"])
    appointment_reminder_follow(appointment=appointment)
    _record_status(appointment, from_status=previous, by=by, reason=reason)
    return appointment


@transaction.atomic
def appointment_status_undo(*, appointment: Appointment, by: User | None) -> Appointment:
    """Put back the status an appointment had before its latest change, on the clinic day
    that change was made. The undo is itself recorded (who, when, from, to, and which change
    it undoes), so both changes stay on the record.

    Undoing a cancellation or a no-show takes the slot again: it is checked like a booking
    and refused with BookingConflictError when someone else has been booked into it since.
    Raises BookingNotAllowedError when there is nothing that may be undone.
    """
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    latest = appointment.status_changes.order_by("-id").first()  # append-only: ids only grow
    zone = selectors.clinic_zone()
    today = timezone.now().astimezone(zone).date()
    if latest is None or not latest.can_be_undone_on(today, zone):
        raise BookingNotAllowedError(
            "There is no status change from today to undo. Changes can be undone on the "
            "day they were made."
        )
    previous, restored = appointment.status, latest.from_status
    if restored in Appointment.ACTIVE_STATUSES and not appointment.is_active:
        _lock_therapist(appointment.therapist)
        problems = selectors.appointment_conflicts(
            therapist=appointment.therapist,
            patient=appointment.patient,
            room=appointment.room,
            start=appointment.start,
            end=appointment.end,
            exclude_pk=appointment.pk,
        )
        if problems:
            raise BookingConflictError(
                ["The slot has been taken since, so this cannot be undone.", *problems]
            )
    appointment.status = restored
    if previous == Appointment.Status.CANCELLED:
        appointment.cancellation_reason = ""
        appointment.late_cancellation = False
        appointment.sequence += 1
    appointment._change_reason = "Status change undone"
    _save_guarded(appointment)
    appointment_reminder_follow(appointment=appointment)
    labels = dict(Appointment.Status.choices)
    AppointmentStatusChange.objects.create(
        appointment=appointment,
        from_status=previous,
        to_status=restored,
        changed_by=by,
        reason=f"Undid {labels[latest.from_status].lower()} → {labels[latest.to_status].lower()}",
        undoes=latest,
    )
    if previous == Appointment.Status.CANCELLED:
        # The patient was told it is cancelled; tell them it stands after all.
        emails.queue([appointment], emails.Kind.CONFIRMATION)
    return appointment
