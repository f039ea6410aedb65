"""What bookings adds to pages other apps own (see clinic/panels.py).

Staff see appointments on the patient page and timeline; a therapist sees today's list on
the dashboard; a patient sees their next appointments on the portal home. Each hook costs
one query whatever the number of appointments.
"""

from __future__ import annotations

import datetime as dt
import functools

from django.db import router
from django.db.models import DateTimeField, ExpressionWrapper, OuterRef, Value
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from bookings import schedule, selectors, services, today_markup, upcoming_markup
from bookings.models import MAX_APPOINTMENT_LENGTH, Appointment
from clinic.access import STAFF, THERAPIST, has_role, roles_of
from clinic.filters import FilterText, held_text, hour_minute
from clinic.json_rows import instances, rows_array
from clinic.links import fixed_url, held_urls, uuid_urls
from clinic.markup import escape
from clinic.panels import NOT_READ, Panel, TimelineEntry, portal_read
from clinic.plugins import plugin_modules
from clinic.rows import prepared_list
from clinic.sites import Site
from patients import page_rows
from patients.page_rows import PageRead

PATIENT_PANEL_LIMIT = 5
PORTAL_PANEL_LIMIT = 3


def _today(*, therapist_id: int, start, end, earliest):
    """The therapist's appointments overlapping the day, cancelled ones left out, as the values
    the panel draws (`today_markup`; the public ids as text, which the driver gives as it is
    where it built a `UUID` in Python for each, and no instances: the patients' rows, phone
    numbers parsed, cost more to build than the panel to draw). The overlap is
    `Appointment.objects.overlapping`'s, with its lower bound passed in: the SQL is compiled
    once per process (clinic/rows.py), which takes values only as they reach the SQL."""
    return (
        Appointment.objects.filter(
            therapist_id=therapist_id, start__lt=end, end__gt=start, start__gt=earliest
        )
        .exclude(status="cancelled")
        .order_by("start", "id")
        .values(*today_markup.COLUMNS, **today_markup.ID_TEXTS)
    )


def dashboard_panels(*, user) -> list[Panel]:
    if THERAPIST not in roles_of(user):
        return []
    zone = selectors.clinic_zone()
    today = timezone.localdate()
    start, end = schedule.day_bounds(today, zone)
    # With the plan the server keeps: `auto` planned this range between two values anew on
    # every view (about 0.5 ms of the server's CPU, against 0.07 ms), always to the same plan
    # (the therapist's appointments by start through their index, then each one's rows).
    appointments = prepared_list(
        "bookings.panels.dashboard_today",
        Appointment,
        _today,
        keep_plan=True,
        therapist_id=user.pk,
        start=start,
        end=end,
        earliest=start - MAX_APPOINTMENT_LENGTH,
    )
    return [
        Panel(
            template=today_markup.TEMPLATE,
            context={"rows": appointments, "today": today},
            order=10,
            draw=today_markup.draw_today,
        )
    ]


#: What the patient page draws of each appointment (its "Next appointments" panel and the
#: timeline), read as values: a patient has tens of appointments, and an instance each (with
#: its therapist, type, room and site) cost more to build than the page spent drawing it.
_PAGE_COLUMNS = (
    "public_id",
    "start",
    "end",
    "status",
    "late_cancellation",
    "episode_id",
    "site_id",
    "site__is_default",
    "site__time_zone",
    "appointment_type__name",
    "therapist__first_name",
    "therapist__last_name",
    "therapist__email",
)
_STATUS_LABELS = dict(Appointment.Status.choices)


def _patient_appointments(patient) -> list[dict]:
    """All of the patient's appointments (`_PAGE_COLUMNS`, and the columns another app offers:
    `_offered_columns`), oldest first, read once for the page's panel and its timeline (a
    patient has tens of appointments, not thousands). The SQL is compiled once per process
    (clinic/rows.py)."""
    rows = page_appointments(patient)
    if rows is None:
        rows = patient._bookings_appointments = prepared_list(
            "bookings.panels.appointments", Appointment, _appointments, patient_id=patient.pk
        )
    return rows


def page_appointments(patient) -> list[dict] | None:
    """The rows of `_patient_appointments` where the patient page has read them (with its other
    reads, patients/page_rows.py), else None: what another app takes of them (treatment's
    recent visits, through the columns it offers) rather than reading the same appointments
    again."""
    rows = getattr(patient, "_bookings_appointments", None)
    if rows is None:
        rows = page_rows.taken(patient, "bookings.panels.appointments")
        if rows is not None:
            patient._bookings_appointments = rows
    return rows


@functools.cache
def _offered() -> tuple:
    """The `patient_visit_note_columns` the apps' panels.py offer (clinic/plugins.py;
    treatment's): functions giving columns the patient page reads with each appointment.
    Bookings does not import treatment: the expressions come from there."""
    return tuple(
        module.patient_visit_note_columns
        for module in plugin_modules("panels")
        if hasattr(module, "patient_visit_note_columns")
    )


def _offered_columns() -> dict:
    columns = {}
    for build in _offered():
        columns.update(build())
    return columns


def _appointments(*, patient_id: int):
    return (
        Appointment.objects.filter(patient_id=patient_id)
        .order_by("start", "id")
        .values(*_PAGE_COLUMNS, **_offered_columns())
    )


def _therapist_name(row: dict) -> str:
    """The therapist's full name, or their email without one (as `User.__str__`)."""
    return (
        f"{row['therapist__first_name']} {row['therapist__last_name']}".strip()
        or row["therapist__email"]
    )


def patient_page_reads(*, user, patient) -> list[PageRead]:
    """The patient's appointments, for staff (the panel and the timeline)."""
    if not has_role(user, STAFF):
        return []
    return [PageRead("bookings.panels.appointments", Appointment, _appointments)]


def upcoming_rows_html(rows: list[dict], text=None, url=None) -> str:
    """The "Next appointments" list drawn in one step: each appointment's day and time (in the
    current time zone, as the template's `date` and `time` filters show them), its type and
    therapist, linked to the appointment. `text` and `url`: the page's `FilterText` and
    `uuid_urls()` (made here without them)."""
    text = FilterText() if text is None else text
    url = uuid_urls() if url is None else url
    return SafeString(  # nosec B703 B308 (every value escaped, as `html_join` did)
        "".join(
            [
                f'\n      <li><a href="{escape(url("bookings:detail", row["public_id"]))}">'
                f"{escape(text.date(row['start'], 'D j M'))}, "
                f"{escape(text.time(row['start'], 'H:i'))}</a>"
                f" &middot; {escape(row['appointment_type__name'])}"
                f" with {escape(_therapist_name(row))}"
                "</li>\n      "
                for row in rows
            ]
        )
    )


def patient_panels(*, user, patient) -> list[Panel]:
    if not has_role(user, STAFF):
        return []
    now = timezone.now()
    upcoming = [
        row
        for row in _patient_appointments(patient)
        if row["end"] > now and row["status"] == "booked"
    ][:PATIENT_PANEL_LIMIT]
    return [
        Panel(
            context={
                "patient": patient,
                "upcoming": bool(upcoming),
                "upcoming_rows": upcoming_rows_html(
                    upcoming, held_text(patient), held_urls(patient)
                ),
            },
            order=20,
            draw=draw_upcoming,
        )
    ]


# The panel as bookings/panels/patient_upcoming.html drew it (a test holds them together).
_NOTHING_BOOKED = mark_safe(  # nosec B308 (a constant)
    '\n    <p class="text-body-secondary">Nothing booked.</p>\n    '
)


def draw_upcoming(values: dict, csrf_token) -> str:
    """The "Next appointments" panel: the rows `upcoming_rows_html` drew (or that nothing is
    booked) and the links to find a slot or book for the patient."""
    public_id = escape(values["patient"].public_id)
    listed = (
        '\n    <ul class="list-unstyled">\n'
        f"      {escape(values['upcoming_rows'])}\n    </ul>\n    "
        if values["upcoming"]
        else _NOTHING_BOOKED
    )
    return SafeString(  # nosec B703 B308 (every value escaped)
        '<section class="card mb-3" aria-labelledby="appointments-heading">\n'
        '  <div class="card-body">\n'
        '    <h2 class="h5" id="appointments-heading">Next appointments</h2>\n'
        f"    {listed}\n"
        '    <a class="btn btn-sm btn-outline-primary" '
        f'href="{escape(fixed_url("bookings:find_slot"))}?patient={public_id}">Find a slot</a>\n'
        '    <a class="btn btn-sm btn-outline-secondary" '
        f'href="{escape(fixed_url("bookings:create"))}?patient={public_id}">Book</a>\n'
        "  </div>\n"
        "</section>\n"
    )


def timeline_entries(*, user, patient) -> list[TimelineEntry]:
    if not has_role(user, STAFF):
        return []
    entries = []
    zones = {None: selectors.clinic_zone()}
    url = held_urls(patient)  # the script prefix read once a view, not once a link
    for row in _patient_appointments(patient):
        # The site's wall clock, as the appointment page shows it.
        zone = zones.get(row["site_id"])
        if zone is None:
            site = Site(is_default=row["site__is_default"], time_zone=row["site__time_zone"])
            zone = zones[row["site_id"]] = site.zone
        local = row["start"].astimezone(zone)
        title = (
            f"{row['appointment_type__name']} with {_therapist_name(row)} at {hour_minute(local)}"
        )
        detail = _STATUS_LABELS.get(row["status"], row["status"])
        if row["late_cancellation"]:
            detail += " (late)"
        entries.append(
            TimelineEntry(
                when=row["start"],
                kind="appointment",
                title=title,
                url=url("bookings:detail", row["public_id"]),
                detail=detail,
                episode_id=row["episode_id"],
            )
        )
    return entries


def _portal_upcoming(*, patient_id: int, now):
    """The patient's next booked appointments, for the portal's "Coming up" (SQL compiled once
    per process, clinic/rows.py; `now` is read by the caller). `patient_id` may be an outer
    reference to the patient's row (`portal_reads`).

    No appointment lasts longer than MAX_APPOINTMENT_LENGTH (a check constraint), so one that
    ends after `now` starts after `now` less that: said in the query, the server reads the
    patient's appointments from that start on by (patient, start) instead of every one the
    patient ever had. The same rows."""
    earliest_start = ExpressionWrapper(
        Value(now, output_field=DateTimeField()) - Value(MAX_APPOINTMENT_LENGTH),
        output_field=DateTimeField(),
    )
    return (
        Appointment.objects.filter(
            patient_id=patient_id, end__gt=now, start__gt=earliest_start, status="booked"
        )
        .select_related("therapist", "site")
        .order_by("start")[:PORTAL_PANEL_LIMIT]
    )


#: What "Coming up" draws of each appointment (the rest is deferred: building each value back
#: from JSON text costs Python time per field), of its site what the late notice's number
#: stands on (`Site.phone_for_patients`), and the therapist's name. In the model's order, as
#: `Model.from_db` takes them.
_UPCOMING_DRAWN = {"id", "public_id", "patient", "therapist", "site", "start", "end", "status"}
_UPCOMING_ROWS = {
    "fields": [
        field.attname
        for field in Appointment._meta.concrete_fields
        if field.name in _UPCOMING_DRAWN
    ],
    "related": {
        "therapist": ["first_name", "last_name"],
        "site": ["is_default", "phone"],
    },
}


def portal_reads(*, day, week_before, now) -> dict:
    """The portal home's statement brings the next appointments (as `portal_panels` reads
    them)."""
    return {
        "bookings.upcoming": rows_array(
            _portal_upcoming(patient_id=OuterRef("pk"), now=now),
            fields=_UPCOMING_ROWS["fields"],
            related=_UPCOMING_ROWS["related"],
        )
    }


def portal_panels(*, user, patient) -> list[Panel]:
    if patient is None or patient.user_id != user.pk:
        return []
    now = timezone.now()
    upcoming = portal_read(patient, "bookings.upcoming")
    if upcoming is NOT_READ:
        upcoming = prepared_list(
            "bookings.panels.portal_upcoming",
            Appointment,
            _portal_upcoming,
            patient_id=patient.pk,
            now=now,
        )
    else:
        upcoming = instances(
            Appointment, router.db_for_read(Appointment), upcoming, **_UPCOMING_ROWS
        )
    return [
        Panel(
            draw=upcoming_markup.portal_upcoming_panel_html,
            context={
                "patient": patient,
                "upcoming": [
                    {"appointment": item, "may_cancel": services.patient_may_cancel(item, now=now)}
                    for item in upcoming
                ],
                "notice_hours": int(selectors.cancel_notice() / dt.timedelta(hours=1)),
                "clinic_phone": selectors.clinic_phone(),
            },
            order=10,
        )
    ]
