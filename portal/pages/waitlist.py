"""The waitlist for patients: join it, leave it, and answer an offer of a freed slot.

The offer page needs no sign-in: the link in the message carries a long random token, and
holding it is the authority (as with the unsubscribe link). Offers go out by text message as
well as email, to patients who may never have opened the portal, and a slot held for half an
hour is lost if they must first set a password. The page shows only a time and a therapist's
name; a signed-in user who is not the offer's patient gets a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bookings.places import places_to_name
from bookings.waitlist import accept, offers, selectors
from bookings.waitlist.forms import PortalWaitlistForm, today_in_clinic
from bookings.waitlist.models import WaitlistOffer
from clinic.access import PATIENTS, role_required
from patients.selectors import patient_of_portal_user

State = WaitlistOffer.State


@role_required(*PATIENTS)
@require_http_methods(["GET", "POST"])
def waitlist(request: HttpRequest):
    patient = patient_of_portal_user(user=request.user)
    form = PortalWaitlistForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        offers.waitlist_entry_add(
            patient=patient,
            by=request.user,
            appointment_type=data["appointment_type"],
            days=data["days"],
            periods=data["periods"],
            available_from=today_in_clinic(),
            available_until=data["available_until"],
        )
        messages.success(request, "You are on the waitlist. We will message you if a slot frees.")
        return redirect("portal:waitlist:home")
    return render(
        request,
        "portal/waitlist.html",
        {
            "patient": patient,
            "entries": selectors.waitlist_entries_for_patient(patient=patient),
            "open_offers": selectors.waitlist_offers_open_for_patient(patient=patient),
            "form": form,
        },
    )


@require_POST
@role_required(*PATIENTS)
def leave(request: HttpRequest, public_id):
    patient = patient_of_portal_user(user=request.user)
    entry = selectors.waitlist_entry_for_patient(patient=patient, public_id=public_id)
    offers.waitlist_entry_remove(entry=entry, by=request.user)
    messages.success(request, "You are off the waitlist.")
    return redirect("portal:waitlist:home")


@require_GET
def offer(request: HttpRequest, token: str):
    """No login: the token in the link is the authority (see the module docstring)."""
    item = selectors.waitlist_offer_by_token(token=token, user=request.user)
    place = places_to_name([item.site_id]).get(item.site_id) if item.site_id else None
    return render(
        request, "portal/waitlist_offer.html", {"offer": item, "State": State, "place": place}
    )


ANSWERS = {
    State.ACCEPTED: ("success", "It is booked: the appointment is yours. We have emailed you."),
    State.GONE: ("warning", "Sorry, this slot has gone: someone else took it first."),
    State.EXPIRED: ("warning", "Sorry, the time to take this slot has run out."),
    State.DECLINED: ("info", "Thank you for letting us know. You stay on the waitlist."),
}


@require_POST
def answer(request: HttpRequest, token: str):
    """Take or turn down the offer; the page then says what happened."""
    item = selectors.waitlist_offer_by_token(token=token, user=request.user)
    by = request.user if request.user.is_authenticated else None
    if request.POST.get("answer") == "take":
        state = accept.waitlist_offer_accept(offer=item, by=by).state
    else:
        state = offers.waitlist_offer_decline(offer=item).state
    level, text = ANSWERS.get(state, ("info", "This offer is closed."))
    getattr(messages, level)(request, text)
    return redirect("portal:waitlist:offer", token=token)
