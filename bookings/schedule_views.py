"""Therapists' working time: the regular week, leave, blocked time and extra hours.

Who may use them: all clinic staff (therapists, reception, the manager).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from bookings import schedule_services, selectors
from bookings.forms import ScheduleExceptionForm, WorkingHoursForm
from bookings.models import ScheduleException, WorkingHours
from clinic.access import STAFF, role_required
from clinic.models import User

EXCEPTIONS_SHOWN = 50


def _therapist_or_404(public_id) -> User:
    # The URL's converter has already refused anything but a UUID.
    return get_object_or_404(selectors.therapists(), public_id=public_id)


@role_required(*STAFF)
@require_GET
def schedule_view(request: HttpRequest):
    """A therapist's regular week and upcoming leave, blocked time and extra hours."""
    people = list(selectors.therapists())
    chosen = request.GET.get("therapist")
    if chosen:
        therapist = next((p for p in people if str(p.public_id) == chosen), None)
        if therapist is None:
            raise Http404("No such therapist")
    elif request.user in people:
        therapist = request.user
    else:
        therapist = people[0] if people else None
    return _schedule_page(request, people, therapist)


def _schedule_page(request: HttpRequest, people, therapist, *, hours_form=None, status=200):
    context = {"therapists": people, "therapist": therapist}
    if therapist is not None:
        hours_form = hours_form or WorkingHoursForm(therapist=therapist)
        hours = list(therapist.working_hours.select_related("site"))
        show_sites = "site" in hours_form.fields
        exceptions = list(
            ScheduleException.objects.filter(therapist=therapist, end__gt=timezone.now())
            .select_related("site")
            .order_by("start")[:EXCEPTIONS_SHOWN]
        )
        clinic_zone = selectors.clinic_zone()
        for item in exceptions:
            # Extra hours read in their site's local time, as they were typed, with the zone
            # named when it is not the clinic's.
            item.local_zone = item.site.zone if item.site is not None else clinic_zone
            item.zone_note = "" if item.local_zone == clinic_zone else item.local_zone.key
        context.update(
            hours=hours,
            show_sites=show_sites,
            exceptions=exceptions,
            hours_form=hours_form,
            exception_form=ScheduleExceptionForm(
                # The hours form read the active sites already: the same list serves both.
                sites=list(hours_form.fields["site"].sites.values()) if show_sites else [],
                usual=selectors.usual_site_id(hours=hours) if show_sites else None,
            ),
        )
    return render(request, "bookings/schedule.html", context, status=status)


def _schedule_url(therapist: User) -> str:
    return f"{reverse('bookings:schedule')}?{urlencode({'therapist': therapist.public_id})}"


@require_POST
@role_required(*STAFF)
def hours_add(request: HttpRequest, therapist_id):
    therapist = _therapist_or_404(therapist_id)
    form = WorkingHoursForm(request.POST, therapist=therapist)
    if form.is_valid():
        try:
            schedule_services.working_hours_add(therapist=therapist, **form.cleaned_data)
        except schedule_services.WorkingHoursClashError as clash:  # added meanwhile by someone else
            form.add_error("start_time", str(clash))
        else:
            messages.success(request, "Working hours added.")
            return redirect(_schedule_url(therapist))
    # The form again, with the message next to the field it is about.
    messages.error(request, _first_error(form))
    return _schedule_page(
        request, list(selectors.therapists()), therapist, hours_form=form, status=400
    )


@require_POST
@role_required(*STAFF)
def hours_remove(request: HttpRequest, public_id):
    hours = get_object_or_404(WorkingHours.objects.select_related("therapist"), public_id=public_id)
    schedule_services.working_hours_remove(hours=hours)
    messages.success(request, "Working hours removed. Booked appointments are unchanged.")
    return redirect(_schedule_url(hours.therapist))


@require_POST
@role_required(*STAFF)
def exception_add(request: HttpRequest, therapist_id):
    therapist = _therapist_or_404(therapist_id)
    form = ScheduleExceptionForm(request.POST)
    if form.is_valid() and form.cleaned_data["start"] and form.cleaned_data["end"]:
        data = form.cleaned_data
        exception, affected = schedule_services.schedule_exception_add(
            therapist=therapist,
            kind=data["kind"],
            start=data["start"],
            end=data["end"],
            note=data["note"],
            site=data.get("site"),
        )
        messages.success(request, f"{exception.get_kind_display()} saved.")
        if affected:
            messages.warning(
                request,
                f"{affected} booked appointment(s) fall in this time: move or cancel them.",
            )
    else:
        messages.error(request, _first_error(form))
    return redirect(_schedule_url(therapist))


@require_POST
@role_required(*STAFF)
def exception_remove(request: HttpRequest, public_id):
    exception = get_object_or_404(
        ScheduleException.objects.select_related("therapist"), public_id=public_id
    )
    schedule_services.schedule_exception_remove(exception=exception)
    messages.success(request, "Removed.")
    return redirect(_schedule_url(exception.therapist))


def _first_error(form) -> str:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        return f"{label}: {errors[0]}" if label else errors[0]
    return "Please check the form."
