"""Booking follow-ups online: the slot list by week, confirming a slot, and moving a visit.

Thin: the rules are in `bookings.online` (rules, selectors, services). Every slot link
carries the type, therapist and start; confirming re-checks all of it, so an old page or a
hand-made link can only ever be refused with a message.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from bookings.online import forms, rules, selectors, services
from clinic.access import PATIENTS, role_required
from patients.selectors import patient_of_portal_user


def _with_query(name: str, *args, **query) -> str:
    return f"{reverse(name, args=args)}?{urlencode(query)}"


def _slot_days(days, *, confirm: str, args=(), **query) -> list[dict]:
    """The week's days, each slot with the link that confirms it."""
    return [
        {
            "day": day.day,
            "slots": [
                {
                    "slot": slot,
                    "href": _with_query(
                        confirm,
                        *args,
                        therapist=slot.therapist.public_id,
                        start=forms.format_start(slot.start),
                        **query,
                    ),
                }
                for slot in day.slots
            ],
        }
        for day in days
    ]


def _week_links(name: str, week: rules.Week, *args, **query) -> dict:
    return {
        "previous": _with_query(name, *args, week=week.index - 1, **query)
        if week.has_previous
        else "",
        "next": _with_query(name, *args, week=week.index + 1, **query) if week.has_next else "",
    }


def _not_eligible(request, patient, problem: str):
    return render(
        request,
        "portal/booking/not_eligible.html",
        {"patient": patient, "problem": problem, "phone": services.phone_the_clinic()},
    )


@role_required(*PATIENTS)
@require_GET
def start(request: HttpRequest):
    """Choose a type of visit and a physiotherapist, then a slot from a week of times."""
    patient = patient_of_portal_user(user=request.user)
    problem = rules.eligibility_problem(selectors.patient_standing(patient=patient))
    if problem:
        return _not_eligible(request, patient, problem)
    now = timezone.now()
    limits = selectors.limits()
    people, own = selectors.therapist_choices(patient=patient)
    types = list(selectors.online_types())
    sites = selectors.site_choices()
    site_kwargs = {"sites": sites, "preferred_site_id": patient.preferred_site_id}
    form = forms.SlotSearchForm(request.GET, types=types, therapists=people, own=own, **site_kwargs)
    appointment_type, therapist = form.choice()
    site, site_key = form.site_choice()
    if appointment_type is None:
        return _not_eligible(request, patient, "No visits can be booked online just now.")
    zone = selectors.patient_zone(patient)
    week = rules.week(
        index=rules.parse_week(request.GET.get("week")), now=now, limits=limits, zone=zone
    )
    days = selectors.slots_for_week(
        patient=patient,
        appointment_type=appointment_type,
        therapist=therapist,
        week=week,
        now=now,
        limits=limits,
        site=site,
    )
    chosen = {
        "appointment_type": appointment_type.public_id,
        "therapist": therapist.public_id if therapist else forms.ANYONE,
    }
    if site_key:
        chosen["site"] = site_key
    form = forms.SlotSearchForm(
        initial=chosen, types=types, therapists=people, own=own, **site_kwargs
    )
    return render(
        request,
        "portal/booking/start.html",
        {
            "patient": patient,
            "form": form,
            "appointment_type": appointment_type,
            "therapist": therapist,
            "week": week,
            "days": _slot_days(
                days, confirm="portal:booking:confirm", appointment_type=appointment_type.public_id
            ),
            "links": _week_links("portal:booking:start", week, **chosen),
            "limits": limits,
        },
    )


@role_required(*PATIENTS)
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest):
    """GET: the chosen slot, with one button to book it. POST: book it."""
    patient = patient_of_portal_user(user=request.user)
    form = forms.SlotForm(request.POST if request.method == "POST" else request.GET)
    if not form.is_valid():
        # A GET without a slot we offered (an old or hand-made link) explains itself: 200.
        status = 200 if request.method == "GET" else 400
        return render(
            request,
            "portal/booking/confirm.html",
            {"patient": patient, "form": form},
            status=status,
        )
    data = form.cleaned_data
    if request.method == "GET":
        return render(request, "portal/booking/confirm.html", {"patient": patient, "form": form})
    try:
        outcome = services.online_book(
            patient=patient,
            user=request.user,
            appointment_type=data["appointment_type"],
            therapist=data["therapist"],
            start=data["start"],
        )
    except services.OnlineBookingError as error:
        messages.error(request, str(error))
        if not error.retry:
            return redirect("portal:appointments:list")
        return redirect(
            _with_query(
                "portal:booking:start",
                appointment_type=data["appointment_type"].public_id,
                therapist=data["therapist"].public_id,
                week=forms.week_of(
                    data["start"], now=timezone.now(), zone=selectors.patient_zone(patient)
                ),
            )
        )
    if outcome.changed:
        messages.success(request, "Your appointment is booked. We have emailed you the details.")
    else:
        messages.info(request, "You already have this appointment booked.")
    return redirect("portal:appointments:list")


@role_required(*PATIENTS)
@require_GET
def move(request: HttpRequest, public_id):
    """A week of new times for one of the patient's own appointments."""
    appointment = selectors.appointment_to_move(user=request.user, public_id=public_id)
    patient = appointment.patient
    now = timezone.now()
    if not selectors.patient_may_move(appointment, now=now):
        return render(
            request,
            "portal/booking/move.html",
            {
                "patient": patient,
                "appointment": appointment,
                "locked": True,
                "phone": services.phone_the_clinic(),
            },
        )
    limits = selectors.limits()
    people, _ = selectors.therapist_choices(patient=patient)
    kind = [appointment.appointment_type]
    form = forms.SlotSearchForm(
        request.GET, types=kind, therapists=people, own=appointment.therapist
    )
    _, therapist = form.choice()
    if "therapist" not in request.GET:
        therapist = appointment.therapist
    zone = selectors.patient_zone(patient)
    week = rules.week(
        index=rules.parse_week(request.GET.get("week")), now=now, limits=limits, zone=zone
    )
    days = selectors.slots_for_week(
        patient=patient,
        appointment_type=appointment.appointment_type,
        therapist=therapist,
        week=week,
        now=now,
        limits=limits,
    )
    chosen = {"therapist": therapist.public_id if therapist else forms.ANYONE}
    form = forms.SlotSearchForm(
        initial=chosen, types=kind, therapists=people, own=appointment.therapist
    )
    del form.fields["appointment_type"]
    return render(
        request,
        "portal/booking/move.html",
        {
            "patient": patient,
            "appointment": appointment,
            "form": form,
            "week": week,
            "days": _slot_days(
                days, confirm="portal:booking:move_confirm", args=[appointment.public_id]
            ),
            "links": _week_links("portal:booking:move", week, appointment.public_id, **chosen),
            "limits": limits,
        },
    )


@role_required(*PATIENTS)
@require_http_methods(["GET", "POST"])
def move_confirm(request: HttpRequest, public_id):
    """GET: the old and the new time, with one button. POST: move it."""
    appointment = selectors.appointment_to_move(user=request.user, public_id=public_id)
    patient = appointment.patient
    form = forms.MoveForm(request.POST if request.method == "POST" else request.GET)
    context = {"patient": patient, "appointment": appointment, "form": form}
    if not form.is_valid():
        status = 200 if request.method == "GET" else 400
        return render(request, "portal/booking/move_confirm.html", context, status=status)
    if request.method == "GET":
        return render(request, "portal/booking/move_confirm.html", context)
    data = form.cleaned_data
    try:
        outcome = services.online_move(
            appointment=appointment,
            user=request.user,
            therapist=data["therapist"],
            start=data["start"],
        )
    except services.OnlineBookingError as error:
        messages.error(request, str(error))
        if not error.retry:
            return redirect("portal:appointments:list")
        return redirect(
            _with_query(
                "portal:booking:move",
                appointment.public_id,
                therapist=data["therapist"].public_id,
                week=forms.week_of(
                    data["start"], now=timezone.now(), zone=selectors.patient_zone(patient)
                ),
            )
        )
    if outcome.changed:
        messages.success(request, "Your appointment is moved. We have emailed you the new time.")
    else:
        messages.info(request, "Your appointment is already at that time.")
    return redirect("portal:appointments:list")
