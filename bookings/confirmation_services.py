"""Reception's side of whether a patient is coming: confirming an appointment the patient
confirmed on the phone, from the day calendar, and taking a confirmation back. Both are
idempotent (a second click changes and records nothing) and audited. The patient's own Y
reply is `bookings.services.appointment_confirm`; the calendar's mark is
bookings/confirmation.py.
"""

from __future__ import annotations

from django.db import transaction

from bookings.models import Appointment
from bookings.services import BookingNotAllowedError, appointment_confirm
from clinic import audit
from clinic.models import User


def _booked(appointment: Appointment, doing: str) -> None:
    if appointment.status != Appointment.Status.BOOKED:
        raise BookingNotAllowedError(
            f"Only a booked appointment can be {doing}; this one is "
            f"{appointment.get_status_display().lower()}."
        )


def _audit(appointment: Appointment, *, by: User, event: str, **detail) -> None:
    audit.record(
        "update",
        obj=appointment,
        patient=appointment.patient,
        detail={"event": event, **detail},
        user=by,
    )


def appointment_confirm_by_phone(*, appointment: Appointment, by: User) -> bool:
    """The patient told reception they are coming. True if this confirmed it; False if it was
    confirmed already. Raises BookingNotAllowedError unless the appointment is booked."""
    with transaction.atomic():
        appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
        _booked(appointment, "confirmed")
        if not appointment_confirm(appointment=appointment, via=Appointment.ConfirmedVia.PHONE):
            return False
        _audit(appointment, by=by, event="appointment_confirmed", via="phone")
    return True


def appointment_confirmation_undo(*, appointment: Appointment, by: User) -> bool:
    """Take a confirmation back (a click by mistake, or the patient is no longer sure): the
    appointment reads unconfirmed again, and the audit keeps how and when it had been
    confirmed. True if it was confirmed; False if not. Raises BookingNotAllowedError unless
    the appointment is booked."""
    with transaction.atomic():
        appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
        _booked(appointment, "changed")
        if appointment.confirmed_at is None:
            return False
        undone = {"via": appointment.confirmed_via, "at": appointment.confirmed_at.isoformat()}
        appointment.confirmed_at, appointment.confirmed_via = None, ""
        appointment._change_reason = "Confirmation taken back by reception"
        appointment.save(update_fields=["confirmed_at", "confirmed_via", "updated_at"])
        _audit(appointment, by=by, event="appointment_confirmation_undone", **undone)
    return True
