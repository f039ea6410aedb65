"""Writes for booking requests: receive, approve into a real appointment, decline, withdraw,
and record someone the pre-screen sent to urgent help.

A request is decided once: its row is locked for the decision, and a request that is no
longer new is refused with `RequestAlreadyDecidedError`, so two receptionists approving at
the same moment make one patient and one appointment. The requester is told after commit
(`bookings.requests.messages`), once.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from bookings import services as booking_services
from bookings.models import AppointmentType
from bookings.requests import messages
from bookings.requests.models import BookingRequest, UrgentScreen
from clinic import audit
from clinic.models import User
from notifications.consent import SMS, How, consent_record
from patients.models import Patient
from patients.services import patient_create


class RequestAlreadyDecidedError(Exception):
    """The request was approved, declined or withdrawn already (perhaps a moment ago)."""


class NotAMatchError(Exception):
    """The patient chosen is not one of the request's possible matches."""


def booking_request_create(
    *,
    first_name: str,
    last_name: str,
    date_of_birth: dt.date,
    email: str,
    phone,
    sms_consent: bool,
    days: list[int],
    periods: list[str],
    reason: str,
) -> BookingRequest:
    """Store a new patient's request (its pre-screen was clear)."""
    booking_request = BookingRequest.objects.create(
        first_name=first_name,
        last_name=last_name,
        date_of_birth=date_of_birth,
        email=email,
        phone=phone,
        sms_consent=sms_consent,
        days=days,
        periods=periods,
        reason=reason,
    )
    audit.record("create", obj=booking_request)
    return booking_request


def urgent_screen_record(
    *, speed: str, symptoms: list[str], name: str = "", email: str = "", phone=""
) -> UrgentScreen:
    """Record that someone was sent to urgent help instead of booking (nothing is booked)."""
    attempt = UrgentScreen.objects.create(
        speed=speed, symptoms=symptoms, name=name[:201], email=email, phone=phone
    )
    audit.record("create", obj=attempt, detail={"speed": speed, "redirected": True})
    return attempt


def _locked_new(booking_request: BookingRequest) -> BookingRequest:
    locked = BookingRequest.objects.select_for_update().get(pk=booking_request.pk)
    if locked.status != BookingRequest.Status.NEW:
        raise RequestAlreadyDecidedError
    return locked


def _patient_for(booking_request: BookingRequest, *, choice: Patient | None, by: User) -> Patient:
    if choice is not None:
        return choice
    patient = patient_create(
        created_by=by,
        first_name=booking_request.first_name,
        last_name=booking_request.last_name,
        date_of_birth=booking_request.date_of_birth,
        email=booking_request.email,
        phone=booking_request.phone,
        preferred_contact=Patient.ContactChannel.SMS
        if booking_request.sms_consent
        else Patient.ContactChannel.EMAIL,
    )
    if booking_request.sms_consent:
        consent_record(
            patient=patient,
            channel=SMS,
            given=True,
            how=How.WRITTEN,
            by=by,
            evidence=f"Ticked on the online request of {booking_request.created_at:%d %b %Y}",
        )
    return patient


@transaction.atomic
def booking_request_approve(
    *,
    booking_request: BookingRequest,
    by: User,
    therapist: User,
    start: dt.datetime,
    appointment_type: AppointmentType,
    patient: Patient | None,
    matches: list[Patient],
) -> BookingRequest:
    """Book the first appointment and mark the request approved, in one transaction.

    `patient` is one of `matches` (the existing record reception recognised) or None for a
    new record. Raises RequestAlreadyDecidedError, NotAMatchError, or the booking service's
    BookingConflictError (the slot went meanwhile); nothing is saved then."""
    locked = _locked_new(booking_request)
    if patient is not None and patient.pk not in {match.pk for match in matches}:
        raise NotAMatchError
    chosen = _patient_for(locked, choice=patient, by=by)
    appointment = booking_services.appointment_book(
        patient=chosen,
        therapist=therapist,
        appointment_type=appointment_type,
        start=start,
        by=by,
        notes="First appointment, requested online.",
        notify=False,  # the requester hears from the request's own message, once
    )
    locked.status = BookingRequest.Status.APPROVED
    locked.patient = chosen
    locked.appointment = appointment
    locked.decided_by = by
    locked.decided_at = timezone.now()
    locked.save()
    audit.record("update", obj=locked, patient=chosen, detail={"status": "approved"})
    messages.queue_decision(locked)
    return locked


@transaction.atomic
def booking_request_decline(
    *, booking_request: BookingRequest, by: User, reason: str
) -> BookingRequest:
    """Decline with a reason the requester reads. Raises RequestAlreadyDecidedError."""
    locked = _locked_new(booking_request)
    locked.status = BookingRequest.Status.DECLINED
    locked.decline_reason = reason
    locked.decided_by = by
    locked.decided_at = timezone.now()
    locked.save()
    audit.record("update", obj=locked, detail={"status": "declined"})
    messages.queue_decision(locked)
    return locked


@transaction.atomic
def booking_request_withdraw(*, booking_request: BookingRequest, by: User) -> BookingRequest:
    """The requester no longer wants it (they told reception). Nobody is messaged."""
    locked = _locked_new(booking_request)
    locked.status = BookingRequest.Status.WITHDRAWN
    locked.decided_by = by
    locked.decided_at = timezone.now()
    locked.save()
    audit.record("update", obj=locked, detail={"status": "withdrawn"})
    return locked


def urgent_screen_mark_seen(*, attempt: UrgentScreen, by: User) -> UrgentScreen:
    """A clinician has looked at it (and followed it up as they judged). Idempotent."""
    if attempt.seen_at is None:
        attempt.seen_at = timezone.now()
        attempt.seen_by = by
        attempt.save(update_fields=["seen_at", "seen_by", "updated_at"])
        audit.record("update", obj=attempt, detail={"seen": True})
    return attempt
