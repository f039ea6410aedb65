"""The therapist dashboard's "Today's appointments" card, drawn in Python in one step: as its
template (bookings/panels/dashboard_today.html, kept as the reference a test holds this to)
it was half of the dashboard's own work, some thirty lookups, filters and an include per
appointment, on the page every therapist keeps open. Every value is escaped as `{{ }}` would
escape it; the result is safe HTML, byte for byte the template's."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence

from django.core.signals import setting_changed
from django.db.models import TextField
from django.db.models.functions import Cast
from django.dispatch import receiver
from django.urls import NoReverseMatch, get_script_prefix
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from bookings.models import Appointment
from clinic.filters import hour_minute
from clinic.links import fixed_url, uuid_url_parts
from clinic.markup import escape

TEMPLATE = "bookings/panels/dashboard_today.html"

#: What the card draws of each appointment (`bookings.panels._today` reads them as values).
COLUMNS = (
    "start",
    "end",
    "status",
    "patient__first_name",
    "patient__last_name",
    "appointment_type__name",
    "appointment_type__slug",
)
#: The booking's, patient's and episode's public ids, as the text `str(UUID)` gives (the
#: links take them as they are; an appointment without an episode has None).
ID_TEXTS = {
    "booking_ref": Cast("public_id", TextField()),
    "patient_ref": Cast("patient__public_id", TextField()),
    "episode_ref": Cast("episode__public_id", TextField()),
}

_STATUS_LABELS = dict(Appointment.Status.choices)
#: The slug of the visit type that starts an intake rather than a follow-up assessment.
_INITIAL = "initial-assessment"


def _parts_or_none(name: str) -> tuple[str, str] | None:
    """A link's text before and after its UUID, escaped, or None where the name does not
    reverse (the template then drew the patient's name without a link, and no assessment
    button)."""
    try:
        before, after = uuid_url_parts(name)
    except NoReverseMatch:
        return None
    return escape(before), escape(after)


def draw_today(values: Mapping, csrf_token) -> SafeString:
    """The card: each of `values["rows"]` (`COLUMNS` and `ID_TEXTS`) with its times in the
    current time zone, its patient's link, the visit type, the status badge, the button to
    start the assessment the visit calls for (an intake for an initial assessment, a follow-up
    otherwise; none without an episode) and the booking's link; or that there is none.

    The card holds no form (no CSRF token), and a therapist's day reads back the same rows
    view after view until a booking or a patient's name changes, so the markup is kept per
    process by the rows' values and what else it is drawn from: the time zone its times are
    shown in, the script prefix its links start with and the language of its status labels
    (comparing ten rows costs a small part of drawing them)."""
    rows: Sequence[Mapping] = values["rows"]
    return _today_drawn(
        tuple(tuple(row.values()) for row in rows),
        tuple(rows[0]) if rows else (),
        timezone.get_current_timezone(),
        get_script_prefix(),
        get_language(),
    )


@functools.lru_cache(maxsize=256)
def _today_drawn(rows: tuple[tuple, ...], keys: tuple[str, ...], zone, prefix: str, language):
    return _draw([dict(zip(keys, row, strict=True)) for row in rows], zone)


@receiver(setting_changed)
def _forget_today(*, setting, **kwargs):
    """Tests that swap the URLconf change the links the kept cards hold."""
    if setting == "ROOT_URLCONF":
        _today_drawn.cache_clear()


def _draw(rows: Sequence[Mapping], zone) -> SafeString:
    if rows:
        patient = _parts_or_none("patients:detail")
        assess = _parts_or_none("assessments:create")
        booking = tuple(escape(part) for part in uuid_url_parts("bookings:detail"))
        items = []
        for row in rows:
            name = escape(f"{row['patient__first_name']} {row['patient__last_name']}".strip())
            shown = (
                f'<a href="{patient[0]}{row["patient_ref"]}{patient[1]}">{name}</a>'
                if patient
                else name
            )
            episode = row["episode_ref"]
            start = (
                f'<a class="btn btn-sm btn-outline-primary" href="{assess[0]}{episode}'
                f"{assess[1]}?kind="
                f"{'intake' if row['appointment_type__slug'] == _INITIAL else 'follow_up'}"
                f'" aria-label="Start the assessment for {name}">Start assessment</a>'
                if episode is not None and assess
                else ""
            )
            status = row["status"]
            items.append(
                "\n        "
                '<li class="list-group-item px-0 d-flex flex-wrap justify-content-between gap-2">'
                '\n          <span><span class="text-nowrap">'
                f"{hour_minute(row['start'].astimezone(zone))}&ndash;"
                f"{hour_minute(row['end'].astimezone(zone))}</span>\n"
                f"            {shown}\n"
                '            <span class="text-body-secondary small">'
                f"{escape(row['appointment_type__name'])}</span>\n"
                f'            <span class="badge booking-status booking-status-{escape(status)}">'
                f"{escape(_STATUS_LABELS.get(status, status))}</span>\n</span>\n"
                '          <span class="d-flex gap-2">\n'
                f"            {start}\n"
                '            <a class="btn btn-sm btn-outline-secondary" href="'
                f'{booking[0]}{row["booking_ref"]}{booking[1]}"'
                f' aria-label="Booking for {name}">Booking</a>\n'
                "          </span>\n"
                "        </li>\n        "
            )
        body = (
            '\n      <ul class="list-group list-group-flush">\n        '
            f"{''.join(items)}\n      </ul>\n      "
        )
    else:
        body = '\n      <p class="text-body-secondary mb-0">No appointments today.</p>\n      '
    return SafeString(  # nosec B703 B308 (every value escaped)
        '<div class="col-12 col-lg-6">\n'
        '  <section class="card h-100" aria-labelledby="today-heading">\n'
        '    <div class="card-body">\n'
        '      <h2 class="h5" id="today-heading">Today\'s appointments</h2>\n'
        f"      {body}\n"
        '      <p class="small mt-3 mb-0"><a href="'
        f'{escape(fixed_url("bookings:feed_settings"))}">'
        "Show my appointments in my phone's calendar</a></p>\n"
        "    </div>\n"
        "  </section>\n"
        "</div>\n"
    )
