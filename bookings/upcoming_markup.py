"""The patient's "Coming up" list (the portal home's panel and the appointments page), drawn in
Python in one step: as a template it cost the portal home about forty lookups and filters per
appointment (dates, times, names, links, the cancel form). Every value is escaped; the result
is safe HTML."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from zoneinfo import ZoneInfo

from django.utils.safestring import SafeString, mark_safe

from clinic.filters import FilterText
from clinic.links import fixed_url, uuid_url
from clinic.markup import escape

_CANCEL_BUTTON = (
    '<button type="submit" class="btn btn-sm btn-outline-danger"'
    ' data-confirm="Cancel this appointment?">Cancel</button>'
)


def _csrf_input(csrf_token) -> str:
    """What `{% csrf_token %}` draws for the page's token."""
    if not csrf_token or csrf_token == "NOTPROVIDED":  # noqa: S105 (Django's marker, not a secret)
        return ""
    return f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(csrf_token)}">'


def _row_html(
    row: Mapping, *, notice_hours: int, clinic_phone: str, csrf: str, text: FilterText
) -> str:
    appointment = row["appointment"]
    start = appointment.start
    name = appointment.therapist.get_full_name() or "your therapist"
    place = row.get("place")
    where = ""
    if place:
        address = f", {escape(place.address)}" if place.address else ""
        where = f'\n      <span class="d-block small">At {escape(place.name)}{address}</span>'
    actions = ""
    if row.get("may_cancel"):
        public_id = appointment.public_id
        move = (
            '<a class="btn btn-sm btn-outline-primary"'
            f' href="{escape(uuid_url("portal:booking:move", public_id))}">Move</a>'
            if row.get("may_move")
            else ""
        )
        cancel = escape(uuid_url("portal:appointments:cancel", public_id))
        actions = (
            '\n    <span class="d-flex gap-2">\n'
            f"    {move}\n"
            f'    <form method="post" action="{cancel}">\n'
            f"      {csrf}\n"
            f"      {_CANCEL_BUTTON}\n"
            "    </form>\n"
            "    </span>\n    "
        )
    elif appointment.status == "booked":
        phone = appointment.site.phone_for_patients or clinic_phone
        ring = (
            f' on <a href="tel:{escape(phone.replace(" ", ""))}">{escape(phone)}</a>'
            if phone
            else ""
        )
        actions = (
            "\n    \n"
            f'    <span class="small text-body-secondary">Less than {notice_hours} hours to go:'
            f" to cancel or change it, please phone the clinic{ring}.</span>\n"
            "    \n    "
        )
    return (
        "\n  <li"
        ' class="list-group-item d-flex flex-wrap justify-content-between align-items-center'
        ' gap-2">\n'
        f"    <span><strong>{text.date(start, 'l j F')}, {text.time(start, 'H:i')}</strong>\n"
        f"      with {escape(name)}\n"
        f"      ({appointment.duration_minutes} minutes){where}</span>\n"
        f"    {actions}\n"
        "  </li>\n  "
    )


def upcoming_for_patient_html(
    upcoming: Sequence[Mapping],
    *,
    notice_hours: int,
    clinic_phone: str,
    csrf_token,
    time_zone: str | None = None,
) -> SafeString:
    """The heading and the patient's next appointments (rows of `appointment`, `may_cancel`,
    and on the appointments page `may_move` and `place`), each with its Move and Cancel
    buttons or, inside the notice window, the number to ring; or a line saying there are
    none. Dates and times in `time_zone` (the patient's), else in the current zone."""
    heading = '<h2 class="h5" id="portal-appointments-heading">Coming up</h2>\n'
    if not upcoming:
        return mark_safe(  # noqa: S308 (constant text)  # nosec B703 B308
            f"{heading}\n"
            '<p class="text-body-secondary">No appointments booked. The clinic will book your'
            " next visit with you.</p>\n\n"
        )
    hours = int(notice_hours)
    csrf = _csrf_input(csrf_token)
    text = FilterText(ZoneInfo(time_zone) if time_zone else None)
    rows = "".join(
        _row_html(row, notice_hours=hours, clinic_phone=clinic_phone, csrf=csrf, text=text)
        for row in upcoming
    )
    phone = f" on {escape(clinic_phone)}" if clinic_phone else ""
    return mark_safe(  # noqa: S308 (every value escaped in the rows and above)  # nosec B703 B308
        f'{heading}\n<ul class="list-group mb-2">\n  {rows}\n</ul>\n'
        f'<p class="small text-body-secondary">You can move or cancel online up to {hours} hours'
        " before an appointment. After that, please phone the clinic"
        f"{phone} so your therapist knows.</p>\n\n"
    )


def portal_upcoming_panel_html(values: Mapping, csrf_token) -> SafeString:
    """The portal home's "Coming up" card (`bookings.panels.portal_panels`' values: the
    patient, the rows, the notice hours and the clinic's number): the list above, in the
    patient's zone, and the link to every appointment."""
    listing = upcoming_for_patient_html(
        values["upcoming"] or [],
        notice_hours=values["notice_hours"],
        clinic_phone=values["clinic_phone"] or "",
        csrf_token=csrf_token,
        time_zone=values["patient"].time_zone,
    )
    every = escape(fixed_url("portal:appointments:list"))
    return mark_safe(  # noqa: S308 (the list is safe HTML, the link escaped)  # nosec B703 B308
        '\n<div class="col-12 col-lg-6">\n'
        '  <section class="card h-100" aria-labelledby="portal-appointments-heading">\n'
        '    <div class="card-body">\n'
        "      \n"
        f"      {listing}\n"
        "      \n"
        f'      <a href="{every}">All my appointments</a>\n'
        "    </div>\n"
        "  </section>\n"
        "</div>\n"
    )
