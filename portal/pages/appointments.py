"""The patient's own appointments: see them, and cancel before the notice window closes."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from bookings import portal_page, selectors, services
from bookings.online import selectors as online
from bookings.places import places_to_name
from clinic.access import PATIENTS, role_required
from clinic.rows import reads_combined
from patients.models import Patient
from patients.selectors import patient_of_portal_user
from portal import appointment_reads
from portal.context_processors import red_flag_notice_from
from portal.selectors import open_red_flags_read

PAGE_SIZE = appointment_reads.PAGE_SIZE


@role_required(*PATIENTS)
@require_GET
def appointment_list(request: HttpRequest):
    now = timezone.now()
    asked = request.GET.get("page")
    if reads_combined(Patient):
        # One statement: the patient, their appointments on the page, the number of past
        # ones, the sites and the open red-flag referrals the notice stands on.
        patient, upcoming, past, places, extra = _page_read(request.user, now, asked)
    else:  # SQLite (`make run`): each read on its own.
        patient = patient_of_portal_user(user=request.user)
        upcoming = selectors.appointments_upcoming_for_patient(patient=patient, now=now)
        past = Paginator(
            selectors.appointments_past_for_patient(patient=patient, now=now), PAGE_SIZE
        ).get_page(asked)
        # With several sites, each appointment says where it is (one query for the sites).
        places = places_to_name(item.site_id for item in [*upcoming, *past.object_list])
        extra = {}
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
            **extra,
        },
    )


def _page_read(user, now: dt.datetime, asked):
    """The page's one statement (a second only for a page number past the last page or
    below the first), as (patient, upcoming appointments, the `Page` of past ones that
    `Paginator.get_page(asked)` gives, the places to name, the red-flag notice)."""
    guess = _asked_number(asked)
    row = appointment_reads.appointments_page_row(
        user=user, now=now, offset=(guess - 1) * PAGE_SIZE
    )
    # `Paginator.count` is the length of its list: the number of past appointments read.
    paginator = Paginator(range(row["bookings.page_past_count"]), PAGE_SIZE)
    number = _page_number(asked, paginator)
    if number != guess:
        row = appointment_reads.appointments_page_row(
            user=user, now=now, offset=(number - 1) * PAGE_SIZE
        )
    patient = appointment_reads.appointments_page_patient(row)
    rows = portal_page.portal_page_rows(row)
    notice = red_flag_notice_from(open_red_flags_read(patient=patient))
    return (
        patient,
        rows.upcoming,
        Page(rows.past, number, paginator),
        rows.places,
        {"red_flag_notice": notice},
    )


#: The furthest page the statement is asked for before the number of past appointments is
#: known (the offset is a bigint): a larger number is past the last page anyway.
_FURTHEST = 10**6


def _asked_number(asked) -> int:
    """The page asked for as `Paginator.validate_number` reads it; 1 for anything but a whole
    number or for one below 1."""
    try:
        return min(max(1, int(asked)), _FURTHEST)
    except (TypeError, ValueError):
        return 1


def _page_number(asked, paginator: Paginator) -> int:
    """The page `paginator.get_page(asked)` shows: the one asked for, 1 for anything but a
    whole number, the last for a number past it or below 1."""
    try:
        return paginator.validate_number(asked)
    except PageNotAnInteger:
        return 1
    except EmptyPage:
        return paginator.num_pages


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
