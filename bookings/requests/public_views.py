"""The public pages a new patient uses, without logging in: the request form, "thank you",
and the urgent-help page shown instead of booking.

The answer never depends on who the requester is: an email address that belongs to a patient
gets the same "thank you" as any other (no account enumeration), and so does a form whose
honeypot was filled (nothing is stored for it).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from bookings.requests import screen, services, throttle
from bookings.requests.forms import HONEYPOT, BookingRequestForm
from bookings.selectors import clinic_phone
from clinic.client_address import client_ip

TOO_MANY = (
    "We have had several requests from you, or from this connection, in the last hour. "
    "Please try again in an hour{phone}."
)


def _form_page(request: HttpRequest, form: BookingRequestForm, status: int = 200):
    return render(
        request,
        "bookings/requests/request_form.html",
        {"form": form, "honeypot": form[HONEYPOT]},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def request_form(request: HttpRequest):
    """Contact details, then the pre-screen. An urgent answer goes to the urgent-help page
    whatever else the form holds: nothing is booked, and the attempt is recorded for the
    clinicians (unless the honeypot was filled or the sender is over the hourly limit)."""
    if request.method == "GET":
        return _form_page(request, BookingRequestForm())
    form = BookingRequestForm(request.POST)
    trapped = bool(request.POST.get(HONEYPOT, "").strip())
    answers = form.screen_answers()
    speed = screen.speed_of(answers)
    if speed:
        contact = form.valid_contact()
        keys = throttle.keys_for(
            ip=client_ip(request), email=contact["email"], phone=str(contact["phone"])
        )
        if not trapped and not throttle.is_limited(keys):
            throttle.count(keys)
            services.urgent_screen_record(speed=speed, symptoms=screen.said_yes(answers), **contact)
        return redirect("new_patient:urgent", speed=speed)
    if not form.is_valid():
        return _form_page(request, form)
    fields = form.request_fields()
    keys = throttle.keys_for(
        ip=client_ip(request), email=fields["email"], phone=str(fields["phone"])
    )
    if throttle.is_limited(keys):
        phone = clinic_phone()
        form.add_error(None, TOO_MANY.format(phone=f", or ring us on {phone}" if phone else ""))
        return _form_page(request, form, status=429)
    throttle.count(keys)
    if not trapped:
        services.booking_request_create(**fields)
    return redirect("new_patient:thanks")


@require_GET
def thanks(request: HttpRequest):
    return render(request, "bookings/requests/thanks.html", {"clinic_phone": clinic_phone()})


@require_GET
def urgent(request: HttpRequest, speed: str):
    """What to do now instead of booking, at the speed the answers called for."""
    if speed not in screen.ADVICE:
        raise Http404("No such advice")
    return render(
        request,
        "bookings/requests/urgent.html",
        {"speed": speed, "advice": screen.ADVICE[speed], "clinic_phone": clinic_phone()},
    )
