"""Reception's waitlist pages: the list with each entry's offers, add, edit and remove.

Who may use them: all clinic staff. Nothing here shows clinical content.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bookings.waitlist import offers, selectors
from bookings.waitlist.forms import WaitlistEntryForm, WaitlistFilterForm
from bookings.waitlist.models import WaitlistEntry
from clinic.access import STAFF, role_required
from patients.forms import PatientSearchForm
from patients.selectors import patient_for_user, patients_search

PATIENT_SEARCH_LIMIT = 20
STATUS_FILTERS = {"waiting": WaitlistEntry.Status.WAITING, "all": None}


@require_GET
@role_required(*STAFF)
def waitlist(request: HttpRequest):
    """Everyone waiting (or every entry ever), most urgent first, each with its offers."""
    shown = request.GET.get("show", "waiting")
    status = STATUS_FILTERS.get(shown, WaitlistEntry.Status.WAITING)
    search = PatientSearchForm(request.GET)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    found = (
        list(patients_search(user=request.user, query=query)[:PATIENT_SEARCH_LIMIT])
        if query
        else []
    )
    sites = WaitlistFilterForm(request.GET)
    site = sites.cleaned_data.get("site") if sites.is_valid() else None
    return render(
        request,
        "bookings/waitlist/list.html",
        {
            "entries": list(selectors.waitlist_entries(status=status, site=site)),
            "site_form": sites,
            "site": site,
            "showing_all": status is None,
            "query": query,
            "found": found,
        },
    )


def _entry_fields(data: dict) -> dict:
    # A clinic with one site has no site field: the entry is for any site.
    return {name: data[name] for name in offers.EDITABLE if name in data}


@require_http_methods(["GET", "POST"])
@role_required(*STAFF)
def entry_add(request: HttpRequest, patient_id):
    patient = patient_for_user(user=request.user, public_id=patient_id)
    form = WaitlistEntryForm(request.POST or None, site=patient.preferred_site_id)
    if request.method == "POST" and form.is_valid():
        offers.waitlist_entry_add(
            patient=patient, by=request.user, **_entry_fields(form.cleaned_data)
        )
        messages.success(request, f"{patient.full_name} is on the waitlist.")
        return redirect("bookings:waitlist")
    return render(
        request,
        "bookings/waitlist/entry_form.html",
        {"form": form, "patient": patient, "entry": None},
    )


@require_http_methods(["GET", "POST"])
@role_required(*STAFF)
def entry_edit(request: HttpRequest, public_id):
    entry = selectors.waitlist_entry_for_staff(user=request.user, public_id=public_id)
    form = WaitlistEntryForm(request.POST or None, entry=entry)
    if request.method == "POST" and form.is_valid():
        offers.waitlist_entry_update(
            entry=entry, by=request.user, **_entry_fields(form.cleaned_data)
        )
        messages.success(request, "The waitlist entry is saved.")
        return redirect("bookings:waitlist")
    return render(
        request,
        "bookings/waitlist/entry_form.html",
        {"form": form, "patient": entry.patient, "entry": entry},
    )


@require_POST
@role_required(*STAFF)
def entry_remove(request: HttpRequest, public_id):
    entry = selectors.waitlist_entry_for_staff(user=request.user, public_id=public_id)
    offers.waitlist_entry_remove(entry=entry, by=request.user)
    messages.success(request, f"{entry.patient.full_name} is off the waitlist.")
    return redirect("bookings:waitlist")
