"""Booking pages: find a free slot, book (one visit or a weekly series), register a new
patient on the way, and the appointment page with its move, cancel and attendance actions.
The calendars are in calendar_views.py, therapists' working time in schedule_views.py.

Who may use them: all clinic staff (therapists, reception, the manager).
"""

from __future__ import annotations

import datetime as dt
import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bookings import confirmation_services, schedule, selectors, services
from bookings.calendar_views import calendar_url
from bookings.forms import (
    BookingForm,
    CancelForm,
    MoveForm,
    SlotFinderForm,
    StatusForm,
    zone_note,
)
from bookings.models import Appointment
from clinic.access import STAFF, role_required
from patients.forms import PatientForm, PatientSearchForm
from patients.selectors import patients_search
from patients.services import patient_create

PATIENT_SEARCH_LIMIT = 50
#: The slot finder shows this many days (with a free start) per page.
SLOT_DAYS_PER_PAGE = 5
BOOKING_PARAMS = (
    "patient",
    "therapist",
    "appointment_type",
    "date",
    "time",
    "room",
    "site",
    "q",
)


@require_GET
@role_required(*STAFF)
def find_slot(request: HttpRequest):
    """Every free start for a type of appointment, with one therapist or anyone, grouped by
    day (first days first) and paginated by day."""
    patient = _patient_from_query(request)
    form = SlotFinderForm(
        request.GET or None, site=patient.preferred_site_id if patient is not None else None
    )
    page = None
    closed = {}
    period_label = ""
    if form.is_valid():
        data = form.cleaned_data
        site = data.get("site")
        zone = site.zone if site is not None else selectors.clinic_zone()
        after = data["after"]
        slots = selectors.free_slots(
            appointment_type=data["appointment_type"],
            therapist=data["therapist"],
            patient=patient,
            not_before=schedule.local_midnight(after, zone) if after else None,
            period=data["period"] or None,
            site=site,
        )
        by_day: dict[dt.date, list] = {}
        for slot in slots:
            by_day.setdefault(slot.start.astimezone(zone).date(), []).append(slot)
        page = Paginator(list(by_day.items()), SLOT_DAYS_PER_PAGE).get_page(request.GET.get("page"))
        page.object_list = [
            _free_day(
                day, day_slots, data["appointment_type"], patient, zone, "site" in form.fields
            )
            for day, day_slots in page.object_list
        ]
        period_label = (
            dict(form.fields["period"].choices).get(data["period"], "") if data["period"] else ""
        )
        first = max(after or timezone.localdate(), timezone.localdate())
        closed = selectors.closed_days(
            first=first,
            last=first + dt.timedelta(days=27),
            region=site.holidays if site is not None else None,
        )
    return render(
        request,
        "bookings/find_slot.html",
        {
            "form": form,
            "page": page,
            "patient": patient,
            "closed_days": closed,
            "period_label": period_label,
        },
    )


def _free_day(
    day: dt.date, slots: list, appointment_type, patient, zone, name_sites: bool = False
) -> dict:
    """One day of the finder: each therapist (at each site, named when the clinic has more
    than one) with their free starts. Labels and links are built here, not in the template:
    a busy day holds hundreds of starts."""
    base = reverse("bookings:create")
    fixed = {"appointment_type": appointment_type.public_id, "date": day.isoformat()}
    if patient is not None:
        fixed["patient"] = patient.public_id
    when = f"{day:%a} {day.day} {day:%b}"
    rows: dict[tuple, dict] = {}
    for slot in slots:
        person, place = slot.therapist, slot.site
        key = (person.pk, place.pk if place is not None else None)
        if key not in rows:
            params = {**fixed, "therapist": person.public_id}
            name = person.get_full_name() or person.email
            if name_sites and place is not None:
                params["site"] = place.public_id
                name = f"{name} at {place.name}"
            rows[key] = {"name": name, "url": f"{base}?{urlencode(params)}&time=", "starts": []}
        row = rows[key]
        local_zone = place.zone if place is not None else zone
        begins = f"{slot.start.astimezone(local_zone):%H:%M}"
        ends = f"{slot.end.astimezone(local_zone):%H:%M}"
        row["starts"].append(
            {
                "time": begins,
                "label": f"Book {when} at {begins} to {ends} with {row['name']}",
                "book_url": row["url"] + begins.replace(":", "%3A"),
            }
        )
    return {"day": day, "therapists": list(rows.values()), "count": len(slots)}


def _patient_from_query(request: HttpRequest):
    """The patient named by `?patient=<public_id>`, if the user may see them."""
    public_id = request.GET.get("patient", "")
    if not _is_uuid(public_id):
        return None
    return patients_search(user=request.user).filter(public_id=public_id).first()


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def _booking_url(**params) -> str:
    return f"{reverse('bookings:create')}?{urlencode({k: v for k, v in params.items() if v})}"


@role_required(*STAFF)
@require_http_methods(["GET", "POST"])
def appointment_create(request: HttpRequest):
    """Book one appointment or a weekly series. GET parameters prefill the form."""
    search = PatientSearchForm(request.GET)  # bounded and NUL-free, as on the patient list
    query = search.cleaned_data["q"] if search.is_valid() else ""
    results = list(
        patients_search(user=request.user, query=query)[:PATIENT_SEARCH_LIMIT] if query else []
    )
    chosen = _patient_from_query(request)
    if chosen is not None and chosen not in results:
        results.insert(0, chosen)
    skipped: list[str] = []
    # Chosen first for a patient who prefers a site (a site in the query wins).
    preferred = chosen.preferred_site_id if chosen is not None else None
    if request.method == "POST":
        form = BookingForm(request.POST, patient_choices=results, site=preferred)
        if form.is_valid() and form.cleaned_data["start"] is not None:
            data = form.cleaned_data
            where = selectors.booking_site(
                therapist_id=data["therapist"].pk,
                start=data["start"],
                site=data.get("site"),
                room=data["room"],
                patient=data["patient"],
            )
            plan = selectors.series_plan(start=data["start"], weeks=data["weeks"], site=where)
            skipped = plan.skipped_labels
            agreed = ",".join(f"{when:%Y-%m-%d}" for when, _ in plan.skipped)
            if plan.skipped and plan.starts and data["skip_holidays"] != agreed:
                # Say which weeks are left out before booking anything; the next press books.
                form = BookingForm(
                    {**request.POST.dict(), "skip_holidays": agreed},
                    patient_choices=results,
                    site=preferred,
                )
                form.is_valid()
                return _booking_page(request, form, query, results, skipped, confirm=True)
            try:
                booked = services.appointment_series_book(
                    patient=data["patient"],
                    therapist=data["therapist"],
                    appointment_type=data["appointment_type"],
                    start=data["start"],
                    weeks=data["weeks"],
                    room=data["room"],
                    notes=data["notes"],
                    allow_outside_hours=data["allow_outside_hours"],
                    by=request.user,
                    site=data.get("site"),
                )
            except services.BookingConflictError as conflict:
                for problem in conflict.messages:
                    form.add_error(None, problem)
            else:
                return _booked_redirect(request, booked, skipped)
    else:
        initial = {key: request.GET[key] for key in BOOKING_PARAMS if request.GET.get(key)}
        initial.setdefault("weeks", 1)
        if "appointment_type" not in initial:
            follow_up = selectors.appointment_types().filter(slug="follow-up").first()
            if follow_up is not None:
                initial["appointment_type"] = follow_up.public_id
        form = BookingForm(initial=initial, patient_choices=results, site=preferred)
    return _booking_page(request, form, query, results, skipped, confirm=bool(skipped))


def _booking_page(request: HttpRequest, form, query, results, skipped, *, confirm: bool):
    carry = {key: request.GET.get(key, "") for key in BOOKING_PARAMS if key not in ("q",)}
    new_patient_url = (
        f"{reverse('bookings:patient_create')}?"
        f"{urlencode({k: v for k, v in carry.items() if v and k != 'patient'})}"
    )
    return render(
        request,
        "bookings/appointment_form.html",
        {
            "form": form,
            "query": query,
            "results": results,
            "carry": {k: v for k, v in carry.items() if v and k != "patient"},
            "new_patient_url": new_patient_url,
            "skipped": skipped,
            "confirm_skips": confirm,
        },
    )


def _booked_redirect(request: HttpRequest, booked: list[Appointment], skipped: list[str]):
    first = booked[0]
    local = first.start.astimezone(selectors.clinic_zone())
    if len(booked) > 1:
        text = f"{len(booked)} weekly appointments booked for {first.patient}."
    else:
        text = (
            f"Booked {first.patient} with {first.therapist} on {local:%a %d %b} at {local:%H:%M}."
        )
    messages.success(request, text)
    if skipped:
        messages.info(request, f"Skipped, the clinic is closed: {'; '.join(skipped)}.")
    return redirect(calendar_url("bookings:home", local.date(), {}))


@role_required(*STAFF)
@require_http_methods(["GET", "POST"])
def patient_register(request: HttpRequest):
    """Register a new patient, then come back to the booking form with them chosen."""
    form = PatientForm(request.POST or None)
    carry = {
        key: request.GET.get(key, "")
        for key in ("therapist", "appointment_type", "date", "time", "room")
        if request.GET.get(key)
    }
    if request.method == "POST" and form.is_valid():
        try:
            patient = patient_create(created_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{patient.full_name} is registered. Now book the visit.")
            return redirect(_booking_url(patient=patient.public_id, **carry))
    return render(request, "bookings/patient_form.html", {"form": form, "carry": carry})


def _detail_context(appointment: Appointment, **forms) -> dict:
    late = services.is_late_cancellation(appointment)
    # Times read as the site's wall clock, the zone named when it is not the clinic's.
    zone = appointment.site.zone
    changes = list(appointment.status_changes.select_related("changed_by"))
    latest = max(changes, key=lambda change: change.pk, default=None)
    undoable = latest is not None and latest.can_be_undone_on(
        timezone.localdate(), selectors.clinic_zone()
    )
    return {
        "appointment": appointment,
        "zone": zone,
        "zone_note": zone_note(appointment.site),
        "local_start": appointment.start.astimezone(zone),
        "local_end": appointment.end.astimezone(zone),
        "changes": changes,
        "undoable": latest if undoable else None,
        "move_form": forms.get("move_form") or MoveForm(appointment=appointment),
        "cancel_form": forms.get("cancel_form") or CancelForm(initial={"late": late}),
        "transitions": sorted(services.TRANSITIONS.get(appointment.status, set())),
        "status_labels": dict(Appointment.Status.choices),
        "status_errors": forms.get("status_errors", []),
        "series": selectors.series_overview(appointment=appointment),
        "attendance_opens": {
            status: opens.astimezone(zone)
            for status in Appointment.ATTENDANCE_STATUSES
            if (opens := appointment.attendance_opens_at(status)) > timezone.now()
        },
    }


@require_GET
@role_required(*STAFF)
def appointment_detail(request: HttpRequest, public_id):
    appointment = selectors.appointment_for_staff(user=request.user, public_id=public_id)
    return render(request, "bookings/appointment_detail.html", _detail_context(appointment))


@require_POST
@role_required(*STAFF)
def appointment_move(request: HttpRequest, public_id):
    appointment = selectors.appointment_for_staff(user=request.user, public_id=public_id)
    form = MoveForm(request.POST, appointment=appointment)
    if form.is_valid() and form.cleaned_data["start"] is not None:
        data = form.cleaned_data
        try:
            moved = services.appointment_move(
                appointment=appointment,
                start=data["start"],
                therapist=data["therapist"],
                room=data["room"],
                allow_outside_hours=data["allow_outside_hours"],
                by=request.user,
            )
        except services.BookingConflictError as conflict:
            for problem in conflict.messages:
                form.add_error(None, problem)
        except services.BookingNotAllowedError as error:
            messages.error(request, str(error))
            return redirect("bookings:detail", public_id=appointment.public_id)
        else:
            local = moved.start.astimezone(moved.site.zone)
            note = zone_note(moved.site)
            messages.success(
                request,
                f"Moved to {local:%a %d %b} at {local:%H:%M}"
                + (f" ({note} time)." if note else "."),
            )
            return redirect("bookings:detail", public_id=moved.public_id)
    return render(
        request,
        "bookings/appointment_detail.html",
        _detail_context(appointment, move_form=form),
        status=400,
    )


@require_POST
@role_required(*STAFF)
def appointment_cancel(request: HttpRequest, public_id):
    appointment = selectors.appointment_for_staff(user=request.user, public_id=public_id)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            services.appointment_cancel(
                appointment=appointment,
                by=request.user,
                reason=form.cleaned_data["reason"],
                late=form.cleaned_data["late"],
            )
        except services.BookingNotAllowedError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "The appointment is cancelled; the slot is free again.")
        return redirect("bookings:detail", public_id=appointment.public_id)
    return render(
        request,
        "bookings/appointment_detail.html",
        _detail_context(appointment, cancel_form=form),
        status=400,
    )


@require_POST
@role_required(*STAFF)
def appointment_status(request: HttpRequest, public_id):
    """Record attendance. A refusal (too early, or no longer possible) is shown on the
    appointment page next to the buttons, wherever the click came from."""
    appointment = selectors.appointment_for_staff(user=request.user, public_id=public_id)
    form = StatusForm(request.POST)
    if not form.is_valid():
        return _status_refused(
            request, appointment, ["Choose arrived, completed or did not attend."]
        )
    status = form.cleaned_data["status"]
    try:
        services.appointment_set_status(appointment=appointment, status=status, by=request.user)
    except services.BookingNotAllowedError as error:
        return _status_refused(request, appointment, [str(error)])
    messages.success(
        request,
        f"{appointment.patient}: {Appointment.Status(status).label}. "
        "You can undo this on the appointment page until the end of the day.",
    )
    return redirect(_safe_next(request) or reverse("bookings:detail", args=[appointment.public_id]))


@require_POST
@role_required(*STAFF)
def appointment_status_undo(request: HttpRequest, public_id):
    """Put back the status from before the latest change (made today); both stay recorded."""
    appointment = selectors.appointment_for_staff(user=request.user, public_id=public_id)
    try:
        restored = services.appointment_status_undo(appointment=appointment, by=request.user)
    except services.BookingConflictError as conflict:
        return _status_refused(request, appointment, conflict.messages)
    except services.BookingNotAllowedError as error:
        return _status_refused(request, appointment, [str(error)])
    messages.success(
        request, f"Undone: the appointment is {restored.get_status_display().lower()} again."
    )
    return redirect("bookings:detail", public_id=appointment.public_id)


@require_POST
@role_required(*STAFF)
def appointment_confirm_by_phone(request: HttpRequest, public_id):
    """The patient said on the phone that they are coming: one click on the day calendar. A
    second click changes nothing."""
    appointment = selectors.appointment_for_staff(user=request.user, public_id=public_id)
    try:
        changed = confirmation_services.appointment_confirm_by_phone(
            appointment=appointment, by=request.user
        )
    except services.BookingNotAllowedError as error:
        return _status_refused(request, appointment, [str(error)])
    done = "confirmed by phone" if changed else "already confirmed; nothing changed"
    messages.success(request, f"{appointment.patient}: {done}.")
    return redirect(_safe_next(request) or reverse("bookings:detail", args=[appointment.public_id]))


@require_POST
@role_required(*STAFF)
def appointment_confirm_undo(request: HttpRequest, public_id):
    """Take a confirmation back: the appointment reads unconfirmed again (both are audited)."""
    appointment = selectors.appointment_for_staff(user=request.user, public_id=public_id)
    try:
        changed = confirmation_services.appointment_confirmation_undo(
            appointment=appointment, by=request.user
        )
    except services.BookingNotAllowedError as error:
        return _status_refused(request, appointment, [str(error)])
    done = "no longer marked confirmed" if changed else "not confirmed; nothing changed"
    messages.success(request, f"{appointment.patient}: {done}.")
    return redirect(_safe_next(request) or reverse("bookings:detail", args=[appointment.public_id]))


def _status_refused(request: HttpRequest, appointment: Appointment, problems: list[str]):
    appointment.refresh_from_db()
    return render(
        request,
        "bookings/appointment_detail.html",
        _detail_context(appointment, status_errors=problems),
        status=400,
    )


def _safe_next(request: HttpRequest) -> str | None:
    """The page to go back to: a path on this site (the forms send `get_full_path()`). Only a
    path: `redirect` would take any other word for the name of a view (a 500 for junk)."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None
