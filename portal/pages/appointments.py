"""The patient's own appointments: see them, and cancel before the notice window closes."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from bookings import selectors, services
from bookings.online import selectors as online
from bookings.places import places_to_name
from clinic.access import PATIENTS, role_required
from patients.selectors import patient_of_portal_user

PAGE_SIZE = 25


@role_required(*PATIENTS)
@require_GET
def appointment_list(request: HttpRequest):
    patient = patient_of_portal_user(user=request.user)
    now = timezone.now()
    upcoming = selectors.appointments_upcoming_for_patient(patient=patient, now=now)
    past = Paginator(
        selectors.appointments_past_for_patient(patient=patient, now=now), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    # With several sites, each appointment says where it is (one query for the sites).
    places = places_to_name(item.site_id for item in [*upcoming, *past.object_list])
    return render(
        request,
        "portal/appointments.html",
        {
            "patient": patient,
            "upcoming": [
                {
                    "appointment": item,
                    "may_cancel": services.patient_may_cancel(item, now=now),
                    "may_move": online.patient_may_move(item, now=now),
                    "place": places.get(item.site_id),
                }
                for item in upcoming
            ],
            "past": past,
            "past_rows": [
                {"appointment": item, "place": places.get(item.site_id)}
                for item in past.object_list
            ],
            "notice_hours": int(selectors.cancel_notice().total_seconds() // 3600),
            "clinic_phone": selectors.clinic_phone(),
        },
    )


@require_POST
@role_required(*PATIENTS)
def appointment_cancel(request: HttpRequest, public_id):
    appointment = selectors.appointment_for_portal_user(user=request.user, public_id=public_id)
    try:
        services.appointment_cancel_by_patient(appointment=appointment, user=request.user)
    except services.BookingNotAllowedError:
        phone = selectors.clinic_phone()
        messages.error(
            request,
            "This appointment can no longer be cancelled online. Please phone the clinic"
            + (f" on {phone}." if phone else "."),
        )
    else:
        messages.success(request, "Your appointment is cancelled. We have emailed you to confirm.")
    return redirect("portal:appointments:list")
