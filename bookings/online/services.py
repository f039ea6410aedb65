"""Writes for online booking: a patient books or moves their own follow-up.

Both go through `bookings.services` (`appointment_book`, `appointment_move`), which lock the
therapist's row and leave the final word to PostgreSQL's exclusion constraints: when two
patients confirm the same slot at once exactly one gets it, and the other is told it has gone.
The confirmation or change email (with its calendar file) is the booking service's, sent after
commit. Every write is audited by the site's audit trail (the appointment's save, its status
record with the patient as the one who made it, and its history).

Before any write, the clinic's rules are checked (`rules`), and the slot must be one the list
would offer the patient right now (`selectors.slot_on_offer`, the free-slot finder): that
covers working hours, the 15-minute grid, time taken meanwhile and time held for a waitlist
offer. A refusal is an `OnlineBookingError` with a sentence the patient can act on; nothing is
stored.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from bookings import selectors as booking_selectors
from bookings import services as booking_services
from bookings.models import Appointment, AppointmentType
from bookings.online import rules, selectors
from bookings.waitlist.offers import waitlist_offers_gone
from clinic.models import User

TAKEN = "Sorry, that time has just been taken. Please choose another from the list."


class OnlineBookingError(Exception):
    """The booking or move was refused; `str(error)` says why in plain words. `retry` is
    True when choosing another slot may work (so the page shows the list again)."""

    def __init__(self, message: str, *, retry: bool = True):
        self.retry = retry
        super().__init__(message)


@dataclass(frozen=True)
class Outcome:
    appointment: Appointment
    #: False when the same request came twice (a double click): the first one did the work.
    changed: bool


def phone_the_clinic(appointment: Appointment | None = None) -> str:
    """Who to ring: about an `appointment`, its site's number; otherwise the clinic's."""
    phone = (
        appointment.site.phone_for_patients
        if appointment is not None
        else booking_selectors.clinic_phone()
    )
    return f"Please phone the clinic on {phone}." if phone else "Please phone the clinic."


def _check_patient_and_time(
    *, patient, appointment_type: AppointmentType, start: dt.datetime, now: dt.datetime
) -> None:
    problem = rules.eligibility_problem(selectors.patient_standing(patient=patient))
    if problem:
        raise OnlineBookingError(f"{problem} {phone_the_clinic()}", retry=False)
    if not (appointment_type.is_active and appointment_type.bookable_online):
        raise OnlineBookingError(
            f"A {appointment_type.name.lower()} cannot be booked online. {phone_the_clinic()}",
            retry=False,
        )
    problem = rules.start_problem(
        start=start,
        now=now,
        limits=selectors.limits(),
        zone=selectors.patient_zone(patient),
    )
    if problem:
        raise OnlineBookingError(problem)


def _same_booking(*, patient, therapist: User, appointment_type: AppointmentType, start):
    return (
        Appointment.objects.active()
        .filter(patient=patient, therapist=therapist, appointment_type=appointment_type)
        .filter(start=start)
        .first()
    )


def online_book(
    *,
    patient,
    user: User,
    appointment_type: AppointmentType,
    therapist: User,
    start: dt.datetime,
    now: dt.datetime | None = None,
) -> Outcome:
    """Book a follow-up for the signed-in patient, or raise OnlineBookingError.

    A repeat of a booking the patient already holds (a double click, a resubmitted page)
    books nothing and returns the existing appointment with `changed=False`.
    """
    now = now or timezone.now()
    start = start.astimezone(dt.UTC)
    if patient.user_id != user.pk:
        raise OnlineBookingError("You can only book appointments for yourself.", retry=False)
    _check_patient_and_time(
        patient=patient, appointment_type=appointment_type, start=start, now=now
    )
    same = {
        "patient": patient,
        "therapist": therapist,
        "appointment_type": appointment_type,
        "start": start,
    }
    existing = _same_booking(**same)
    if existing is not None:
        return Outcome(existing, changed=False)
    if not selectors.slot_on_offer(
        patient=patient,
        appointment_type=appointment_type,
        therapist=therapist,
        start=start,
        now=now,
    ):
        raise OnlineBookingError(TAKEN)
    try:
        with transaction.atomic():
            appointment = booking_services.appointment_book(
                patient=patient,
                therapist=therapist,
                appointment_type=appointment_type,
                start=start,
                by=user,
            )
            waitlist_offers_gone(
                therapist_id=therapist.pk, start=appointment.start, end=appointment.end
            )
    except booking_services.BookingConflictError:
        existing = _same_booking(**same)
        if existing is not None:  # the first of two clicks won the lock
            return Outcome(existing, changed=False)
        raise OnlineBookingError(TAKEN) from None
    return Outcome(appointment, changed=True)


def online_move(
    *,
    appointment: Appointment,
    user: User,
    therapist: User,
    start: dt.datetime,
    now: dt.datetime | None = None,
) -> Outcome:
    """Move the patient's own booked follow-up to a new slot, all or nothing: the old time is
    given up (and offered to the waitlist) only when the new one is booked. Refused inside the
    late-cancellation window: the patient phones the clinic then."""
    now = now or timezone.now()
    start = start.astimezone(dt.UTC)
    patient = appointment.patient
    if patient.user_id != user.pk:
        raise OnlineBookingError("You can only move your own appointments.", retry=False)
    if not selectors.patient_may_move(appointment, now=now):
        raise OnlineBookingError(
            f"This appointment can no longer be changed online. {phone_the_clinic(appointment)}",
            retry=False,
        )
    appointment_type = appointment.appointment_type
    _check_patient_and_time(
        patient=patient, appointment_type=appointment_type, start=start, now=now
    )
    try:
        with transaction.atomic():
            # Therapist first, then the appointment: the order every booking write locks in.
            User.objects.select_for_update().filter(pk=therapist.pk).first()
            current = Appointment.objects.select_for_update().get(pk=appointment.pk)
            if current.start == start and current.therapist_id == therapist.pk:
                return Outcome(current, changed=False)  # a repeat: the first click moved it
            if not selectors.slot_on_offer(
                patient=patient,
                appointment_type=appointment_type,
                therapist=therapist,
                start=start,
                now=now,
            ):
                raise OnlineBookingError(TAKEN)
            moved = booking_services.appointment_move(
                appointment=current,
                start=start,
                by=user,
                therapist=therapist,
                room=current.room if current.therapist_id == therapist.pk else None,
            )
            waitlist_offers_gone(therapist_id=therapist.pk, start=moved.start, end=moved.end)
    except booking_services.BookingConflictError:
        raise OnlineBookingError(TAKEN) from None
    except booking_services.BookingNotAllowedError:
        raise OnlineBookingError(
            f"This appointment can no longer be changed online. {phone_the_clinic(appointment)}",
            retry=False,
        ) from None
    return Outcome(moved, changed=True)
