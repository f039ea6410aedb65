"""Reads for booking requests and urgent pre-screen answers, scoped by who is asking.

Reception and the manager see requests (contact details and the reason, which the requester
wrote for the front desk); clinicians see the urgent pre-screen answers. Anyone else: 404.
"""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from django.core.paginator import Page, Paginator
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from bookings import selectors as booking_selectors
from bookings.models import AppointmentType
from bookings.requests.models import BookingRequest, UrgentScreen
from bookings.waitlist.matching import in_period
from clinic import audit
from clinic.access import CLINICAL, MANAGER, RECEPTION, has_role
from patients.models import Patient

#: Who handles requests.
FRONT_DESK = (RECEPTION, MANAGER)
PER_PAGE = 25
FIRST_APPOINTMENT = "initial-assessment"
#: Free slots offered to reception on a request's page.
SLOTS_SHOWN = 12
#: How far back reception is told about people sent to urgent help.
URGENT_NOTICE_DAYS = 7


def booking_requests_page(*, user, page: str | int | None) -> Page:
    """Requests newest first, a page at a time: two queries (count, page) whatever the number."""
    if not has_role(user, FRONT_DESK):
        raise Http404("No such page")
    requests = BookingRequest.objects.only(
        "public_id", "created_at", "first_name", "last_name", "status", "days", "periods"
    )
    return Paginator(requests, PER_PAGE).get_page(page)


def booking_request_for_staff(*, user, public_id: UUID | str) -> BookingRequest:
    if not has_role(user, FRONT_DESK):
        raise Http404("No such request")
    try:
        return BookingRequest.objects.select_related(
            "decided_by", "patient", "appointment__therapist"
        ).get(public_id=public_id)
    except (BookingRequest.DoesNotExist, ValueError):
        raise Http404("No such request") from None


def possible_matches(*, booking_request: BookingRequest) -> list[Patient]:
    """Patients who may be the requester: the same date of birth and the same email or phone.
    Reception decides; the site never merges by guess."""
    contact = Q(email__iexact=booking_request.email)
    if booking_request.phone:
        contact |= Q(phone=booking_request.phone)
    matches = list(
        Patient.objects.active()
        .filter(contact, date_of_birth=booking_request.date_of_birth)
        .order_by("last_name", "first_name", "id")[:5]
    )
    for patient in matches:
        audit.note_patient(patient)
    return matches


def first_appointment_type() -> AppointmentType | None:
    """The type booked for a new patient: the initial assessment, else the longest active."""
    types = list(booking_selectors.appointment_types())
    named = [kind for kind in types if kind.slug == FIRST_APPOINTMENT]
    return named[0] if named else max(types, key=lambda kind: kind.duration_minutes, default=None)


def slots_for_request(
    *, booking_request: BookingRequest, appointment_type: AppointmentType
) -> tuple[list[booking_selectors.FreeSlot], bool]:
    """The first free slots (the slot finder's) on the days and times the requester chose;
    when none suits, the first free ones at all. Returns (slots, suited)."""
    zone = booking_selectors.clinic_zone()
    every = booking_selectors.free_slots(appointment_type=appointment_type)
    days, periods = set(booking_request.days), set(booking_request.periods)

    def suits(slot) -> bool:
        local = slot.start.astimezone(zone)
        in_periods = not periods or any(in_period(local, period) for period in periods)
        return (not days or local.weekday() in days) and in_periods

    suited = [slot for slot in every if suits(slot)]
    return (suited or every)[:SLOTS_SHOWN], bool(suited)


def urgent_screens_page(*, user, page: str | int | None) -> Page:
    """Urgent pre-screen answers, newest first, for clinicians: two queries."""
    if not has_role(user, CLINICAL):
        raise Http404("No such page")
    return Paginator(UrgentScreen.objects.select_related("seen_by"), PER_PAGE).get_page(page)


def urgent_screen_for_clinician(*, user, public_id: UUID | str) -> UrgentScreen:
    if not has_role(user, CLINICAL):
        raise Http404("No such answer")
    try:
        return UrgentScreen.objects.get(public_id=public_id)
    except (UrgentScreen.DoesNotExist, ValueError):
        raise Http404("No such answer") from None


def urgent_redirected_recently(*, now: dt.datetime | None = None) -> list[dict]:
    """For reception: when someone was sent to urgent help, and nothing clinical. One query."""
    since = (now or timezone.now()) - dt.timedelta(days=URGENT_NOTICE_DAYS)
    return list(
        UrgentScreen.objects.filter(created_at__gte=since)
        .order_by("-created_at", "-id")
        .values("created_at", "name")[:20]
    )
