"""Reception's calendars: the day (a column per therapist) and the week, on one time grid.

Who may use them: all clinic staff (therapists, reception, the manager).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import uuid
from urllib.parse import quote_plus, urlencode

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import SafeString
from django.views.decorators.http import require_GET

from bookings import calendar_filter, grid, selectors
from bookings.forms import CalendarFilterForm
from bookings.models import Appointment
from clinic import audit, links
from clinic.access import STAFF, role_required
from clinic.filters import FilterText


def _calendar_day(request: HttpRequest) -> tuple[dt.date, bool]:
    """The day a calendar shows: the `date` asked for, else today; and whether the date asked
    for (if any) was a valid one. Parsing only, no query."""
    raw = request.GET.get("date")
    if raw:
        field = CalendarFilterForm.base_fields["date"]
        try:
            if _ISO_DATE.fullmatch(raw):
                # As the picker and the calendars' links write it. The field would try its
                # other input formats first (each a failed `strptime`), then read it as this.
                value = dt.date.fromisoformat(raw)
                field.validate(value)
                field.run_validators(value)
                return value, True
            return field.clean(raw) or timezone.localdate(), True
        except (ValueError, ValidationError):  # ValueError: not a day ("2026-02-30")
            return timezone.localdate(), False
    return timezone.localdate(), True


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def _calendar_form(request: HttpRequest, day: dt.date, *, date_valid: bool):
    """The filter as asked (errors shown), the therapist it names if that is valid, and the
    site (None: all sites), with the query that keeps both on the next page. When every value
    asked for is valid (nearly always) the filter is read and drawn without the form
    (bookings/calendar_filter.py); otherwise the form says what is wrong."""
    asked, sites, therapists = calendar_filter.read(request.GET, day=day, date_valid=date_valid)
    if asked is not None:
        form, therapist, site = asked.form, asked.therapist, asked.site
    else:
        form = CalendarFilterForm(
            request.GET or None, initial={"date": day}, sites=sites, therapists=therapists
        )
        therapist = site = None
        if form.is_bound:
            form.is_valid()  # keeps every valid field in cleaned_data, errors for the others
            therapist, site = form.cleaned_data.get("therapist"), form.cleaned_data.get("site")
    query = {"therapist": therapist.public_id} if therapist else {}
    if site is not None:
        query["site"] = site.public_id
    return form, therapist, site, query, (therapists, sites)


def _calendar_days(*, first: dt.date, last: dt.date, therapist, everyone, site) -> list[dict]:
    """`everyone`: the therapists and the sites the filter read (both lists)."""
    therapists, sites = everyone
    days = selectors.calendar_days(
        first=first, last=last, therapist=therapist, everyone=therapists, site=site, sites=sites
    )
    # The audit trail keeps the first appointment it is told of per patient, so each patient
    # is noted once, with that appointment; told in one call rather than one per patient.
    audit.note_patient_ids(
        (
            (item.patient_id, item.public_id)
            for day in days
            for column in day["columns"]
            for item in column["appointments"]
        ),
        Appointment,
    )
    return days


def _calendar_grid(days: list[dict], site=None, today: dt.date | None = None) -> grid.Grid:
    """The days' columns (a therapist on a day, in the order given) on one time grid. `today`:
    the local date the view read already (each `timezone.localdate()` reads the active zone
    from asgiref's `Local`, whose failed lookups build their errors), else read here."""
    # Each therapist's name and reference, worked out once for their seven columns of a week.
    said = {
        id(person): (str(person), str(person.public_id))
        for person in (column["therapist"] for column in days[0]["columns"])
    }
    return grid.build(
        columns=[
            grid.ColumnSpec(
                day=entry["day"],
                therapist=column["therapist"],
                name=said[id(column["therapist"])][0],
                ref=said[id(column["therapist"])][1],
                hours=column["hours"],
                appointments=column["appointments"],
                working=column["working"],
            )
            for entry in days
            for column in entry["columns"]
        ],
        zone=site.zone if site is not None else selectors.clinic_zone(),
        today=timezone.localdate() if today is None else today,
        book_url=_book_url(site),
    )


def _book_url(site) -> str:
    """The booking form's URL the grid's free cells add their therapist, date and time to;
    a site's calendar books at that site."""
    url = links.fixed_url("bookings:create")
    return url if site is None else f"{url}?{urlencode({'site': site.public_id})}"


def _detail_prefix() -> str:
    """The appointment page's URL without its id: the grid adds each appointment's id
    itself rather than reversing the URL once per appointment."""
    placeholder = uuid.UUID(int=0)
    return links.uuid_url("bookings:detail", placeholder).removesuffix(f"{placeholder}/")


def calendar_url(name: str, day: dt.date, query: dict) -> str:
    """The calendar `name` on `day` with the filter's `query`, as `urlencode` writes it (the
    few ids every view links with quoted once per process)."""
    pairs = "".join(f"&{key}={_quoted(str(value))}" for key, value in query.items())
    return f"{links.fixed_url(name)}?date={day.isoformat()}{pairs}"


@functools.lru_cache(maxsize=1024)
def _quoted(value: str) -> str:
    return quote_plus(value)


@require_GET
@role_required(*STAFF)
def home(request: HttpRequest):
    """The day view: every therapist's appointments for one day (today by default)."""
    day, date_valid = _calendar_day(request)

    def calendar() -> dict:
        form, therapist, site, query, everyone = _calendar_form(request, day, date_valid=date_valid)
        days = _calendar_days(
            first=day, last=day, therapist=therapist, everyone=everyone, site=site
        )
        today = timezone.localdate()  # read once, for the grid and the page
        return {
            "form": form,
            "therapist": therapist,
            "columns": days[0]["columns"],
            "grid": _calendar_grid(days, site, today),
            "site": site,
            "detail_prefix": _detail_prefix(),
            "today": today,
            "caption": f"Appointments on {day:%A} {day.day} {day:%B %Y}, a column per therapist",
            "previous": calendar_url("bookings:home", day - dt.timedelta(days=1), query),
            "next": calendar_url("bookings:home", day + dt.timedelta(days=1), query),
            "week_url": calendar_url("bookings:week", day, query),
        }

    return render(
        request,
        "bookings/day.html",
        {
            "day": day,
            **calendar(),
        },
    )


@functools.cache
def _week_assets() -> tuple[SafeString, SafeString]:
    """The week page's own stylesheet link and its two scripts, as the template's
    `{% static_url %}` tags drew them, drawn once per process: a static file's URL is fixed
    from start-up (`links.static_url`), and each tag cost the page some 26k instructions a view
    (its node, its arguments, the call, the escape)."""
    css, bookings_js, grid_js = (
        grid.escape_text(links.static_url(path))
        for path in ("css/grid.css", "js/bookings.js", "js/grid.js")
    )
    return (
        SafeString(f'<link rel="stylesheet" href="{css}">'),  # nosec B703 B308: escaped
        SafeString(  # nosec B703 B308: escaped
            f'<script src="{bookings_js}"></script><script src="{grid_js}"></script>'
        ),
    )


@require_GET
@role_required(*STAFF)
def week(request: HttpRequest):
    """The week view (Monday to Sunday) for one therapist or for everyone."""
    day, date_valid = _calendar_day(request)
    monday = day - dt.timedelta(days=day.weekday())
    sunday = monday + dt.timedelta(days=6)

    # The current zone read once (each read is a lookup in asgiref's `Local` that fails and
    # builds its error when no zone is active): today's date and the filter's text need it.
    zone = timezone.get_current_timezone()

    def calendar() -> dict:
        form, therapist, site, query, everyone = _calendar_form(request, day, date_valid=date_valid)
        days = _calendar_days(
            first=monday, last=sunday, therapist=therapist, everyone=everyone, site=site
        )
        per_day = len(days[0]["columns"])
        today = timezone.localdate(timezone=zone)
        return {
            "form": form,
            "therapist": therapist,
            "days": days,
            "grid": _calendar_grid(days, site, today),
            "site": site,
            "detail_prefix": _detail_prefix(),
            "today": today,
            "per_day": per_day,
            "caption": (
                f"Appointments in the week of {monday.day} {monday:%B %Y}, a column per day"
                + (" and therapist" if per_day > 1 else "")
            ),
            "previous": calendar_url("bookings:week", monday - dt.timedelta(days=7), query),
            "next": calendar_url("bookings:week", monday + dt.timedelta(days=7), query),
        }

    said = FilterText(zone)  # the `date` filter's text, kept per process
    head, scripts = _week_assets()
    return render(
        request,
        "bookings/week.html",
        {
            "monday": monday,
            "sunday": sunday,
            "monday_short": said.date(monday, "j M Y"),
            "monday_long": said.date(monday, "j F Y"),
            "week_head": head,
            "week_scripts": scripts,
            # The day view's link for the buttons and headings (a tag in the template cost
            # some 30k instructions a view).
            "day_path": links.fixed_url("bookings:home"),
            **calendar(),
        },
    )
