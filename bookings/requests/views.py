"""Staff pages: reception's "Booking requests" (list, one request, approve, decline,
withdraw) and the clinicians' list of urgent pre-screen answers.

Reception sees contact details, the times that suit and the requester's own words; of the
urgent pre-screen answers only that someone was sent to urgent help (the answers are
clinical). Clinicians see the answers. A patient gets 404 on all of them.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from bookings import selectors as booking_selectors
from bookings.models import Weekday
from bookings.requests import screen, selectors, services
from bookings.requests.forms import NEW_PATIENT, ApproveForm, DeclineForm
from bookings.requests.models import BookingRequest
from bookings.services import BookingConflictError
from bookings.waitlist.forms import PERIOD_LABELS
from clinic.access import CLINICAL, role_required

FRONT_DESK = selectors.FRONT_DESK
ALREADY = "This request was dealt with already; nothing was changed."


@require_GET
@role_required(*FRONT_DESK)
def request_list(request: HttpRequest):
    page = selectors.booking_requests_page(user=request.user, page=request.GET.get("page"))
    return render(
        request,
        "bookings/requests/list.html",
        {
            "page": page,
            "redirected": selectors.urgent_redirected_recently(),
            "urgent_days": selectors.URGENT_NOTICE_DAYS,
        },
    )


def _slot_value(slot) -> str:
    return f"{slot.therapist.public_id}|{slot.start.isoformat()}"


def _slot_label(slot, zone) -> str:
    local = slot.start.astimezone(zone)
    name = slot.therapist.get_full_name() or slot.therapist.email
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M} with {name}"


def _decision_context(booking_request: BookingRequest, *, data=None) -> dict:
    """The request's page: its details, possible matches, free slots and the two forms."""
    context = {
        "booking_request": booking_request,
        "days": [Weekday(day).label for day in booking_request.days],
        "periods": [PERIOD_LABELS[period] for period in booking_request.periods],
    }
    if booking_request.status != BookingRequest.Status.NEW:
        return context
    kind = selectors.first_appointment_type()
    slots, suited = (
        selectors.slots_for_request(booking_request=booking_request, appointment_type=kind)
        if kind is not None
        else ([], False)
    )
    zone = booking_selectors.clinic_zone()
    matches = selectors.possible_matches(booking_request=booking_request)
    return context | {
        "appointment_type": kind,
        "slots": {_slot_value(slot): slot for slot in slots},
        "suited": suited,
        "matches": matches,
        "approve_form": ApproveForm(
            data,
            slots=[(_slot_value(slot), _slot_label(slot, zone)) for slot in slots],
            matches=matches,
        ),
        "decline_form": DeclineForm(),
    }


@require_GET
@role_required(*FRONT_DESK)
def request_detail(request: HttpRequest, public_id):
    booking_request = selectors.booking_request_for_staff(user=request.user, public_id=public_id)
    return render(request, "bookings/requests/detail.html", _decision_context(booking_request))


@require_POST
@role_required(*FRONT_DESK)
def request_approve(request: HttpRequest, public_id):
    booking_request = selectors.booking_request_for_staff(user=request.user, public_id=public_id)
    if booking_request.status != BookingRequest.Status.NEW:
        messages.error(request, ALREADY)
        return redirect("bookings:request_detail", public_id=public_id)
    context = _decision_context(booking_request, data=request.POST)
    form = context["approve_form"]
    if form.is_valid():
        slot = context["slots"][form.cleaned_data["slot"]]
        choice = form.cleaned_data["patient"]
        patient = next(
            (match for match in context["matches"] if str(match.public_id) == choice), None
        )
        try:
            services.booking_request_approve(
                booking_request=booking_request,
                by=request.user,
                therapist=slot.therapist,
                start=slot.start,
                appointment_type=context["appointment_type"],
                patient=None if choice == NEW_PATIENT else patient,
                matches=context["matches"],
            )
        except services.RequestAlreadyDecidedError:
            messages.error(request, ALREADY)
            return redirect("bookings:request_detail", public_id=public_id)
        except BookingConflictError as conflict:
            form.add_error("slot", conflict.messages)
        else:
            messages.success(request, f"Booked. {booking_request.first_name} is told by email.")
            return redirect("bookings:request_detail", public_id=public_id)
    return render(request, "bookings/requests/detail.html", context)


@require_POST
@role_required(*FRONT_DESK)
def request_decline(request: HttpRequest, public_id):
    booking_request = selectors.booking_request_for_staff(user=request.user, public_id=public_id)
    form = DeclineForm(request.POST)
    if booking_request.status != BookingRequest.Status.NEW:
        messages.error(request, ALREADY)
        return redirect("bookings:request_detail", public_id=public_id)
    if form.is_valid():
        try:
            services.booking_request_decline(
                booking_request=booking_request, by=request.user, reason=form.cleaned_data["reason"]
            )
        except services.RequestAlreadyDecidedError:
            messages.error(request, ALREADY)
        else:
            messages.success(request, f"Declined. {booking_request.first_name} is told why.")
        return redirect("bookings:request_detail", public_id=public_id)
    context = _decision_context(booking_request) | {"decline_form": form}
    return render(request, "bookings/requests/detail.html", context)


@require_POST
@role_required(*FRONT_DESK)
def request_withdraw(request: HttpRequest, public_id):
    booking_request = selectors.booking_request_for_staff(user=request.user, public_id=public_id)
    try:
        services.booking_request_withdraw(booking_request=booking_request, by=request.user)
    except services.RequestAlreadyDecidedError:
        messages.error(request, ALREADY)
    else:
        messages.success(request, "Marked as withdrawn.")
    return redirect("bookings:request_detail", public_id=public_id)


@require_GET
@role_required(*CLINICAL)
def urgent_list(request: HttpRequest):
    page = selectors.urgent_screens_page(user=request.user, page=request.GET.get("page"))
    labels = {question.code: question.label for question in screen.QUESTIONS}
    for attempt in page.object_list:
        attempt.symptom_labels = [labels.get(code, code) for code in attempt.symptoms]
    return render(request, "bookings/requests/urgent_list.html", {"page": page})


@require_POST
@role_required(*CLINICAL)
def urgent_seen(request: HttpRequest, public_id):
    attempt = selectors.urgent_screen_for_clinician(user=request.user, public_id=public_id)
    services.urgent_screen_mark_seen(attempt=attempt, by=request.user)
    messages.success(request, "Marked as seen.")
    return redirect("bookings:urgent_screens")
