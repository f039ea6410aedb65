"""The patient page's contact and running facts, drawn in one step each: a dozen variables
with their filters and display lookups each were a good part of the page's own template."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe
from phonenumber_field.phonenumber import PhoneNumber

from clinic.display import display
from clinic.filters import FilterText
from clinic.links import held_urls
from clinic.markup import escape

register = template.Library()

# Written as a character reference, as the page's other fixed marks are: a page whose data is
# all ASCII is then an ASCII string, which joins and encodes without widening.
_NONE = SafeString("&mdash;")  # nosec B703 B308 (a constant)


def _phone_text(phone) -> str:
    """`phone.as_international if phone else ""`, without the truth test's own work: a
    PhoneNumber is true when its text (E.164 when valid, else what was typed) is not empty,
    and the library finds that by validating the number against its region's patterns and
    formatting it, about as much as the international form itself. A number read from the
    database keeps what was typed (never empty), so that answers first."""
    if not isinstance(phone, PhoneNumber):
        return ""  # None or "" (no number)
    return phone.as_international if phone.raw_input or phone else ""


@register.simple_tag
def contact_facts(patient) -> str:
    """Phone (international form), email, the channel they prefer, their time zone, whether
    they agreed to email reminders, and their portal account (or that they are invited)."""
    login = patient.portal_login
    invited = "Invited, no password yet" if patient.user_id else "None"
    phone = _phone_text(patient.phone) or _NONE
    return SafeString(  # nosec B703 B308 (every value escaped, as `html` did)
        f'<dt class="col-5">Phone</dt><dd class="col-7">{escape(phone)}</dd>\n'
        '          <dt class="col-5">Email</dt><dd class="col-7 text-break">'
        f"{escape(patient.email or _NONE)}</dd>\n"
        '          <dt class="col-5">Prefers</dt><dd class="col-7">'
        f"{escape(display(patient, 'preferred_contact'))}</dd>\n"
        '          <dt class="col-5">Time zone</dt><dd class="col-7">'
        f"{escape(patient.time_zone)}</dd>\n"
        '          <dt class="col-5">Email reminders</dt><dd class="col-7">'
        f"{'Agreed' if patient.email_reminders_consent else 'Not agreed'}</dd>\n"
        '          <dt class="col-5">Portal account</dt><dd class="col-7 text-break">'
        f"{escape(login.email if login else invited)}</dd>"
    )


@register.simple_tag
def runner_facts(patient, text: FilterText | None = None) -> str:
    """Their level, kilometres a week, main surface and goal (with its day); `text`, the
    page's `FilterText` when it has one."""
    goal = (
        f", {escape((text or FilterText()).date(patient.goal_date, 'j M Y'))}"
        if patient.goal_date
        else ""
    )
    km = _NONE if patient.weekly_km is None else f"{escape(patient.weekly_km)} km"
    return SafeString(  # nosec B703 B308 (every value escaped, as `html` did)
        '<dt class="col-5">Level</dt><dd class="col-7">'
        f"{escape(display(patient, 'runner_level'))}</dd>\n"
        f'          <dt class="col-5">Per week</dt><dd class="col-7">{km}</dd>\n'
        '          <dt class="col-5">Surface</dt><dd class="col-7">'
        f"{escape(display(patient, 'main_terrain') or _NONE)}</dd>\n"
        '          <dt class="col-5">Goal</dt><dd class="col-7">'
        f"{escape(patient.goal_event or _NONE)}{goal}</dd>"
    )


def portal_access(patient, *, small: bool = False) -> str:
    """What patients/includes/portal_access.html draws (a test holds them together): the
    patient's portal account once they can sign in, until then the link to invite them.
    Drawn with f-strings, each value escaped where `html` escaped it."""
    login = patient.portal_login
    if login:
        return SafeString(  # nosec B703 B308 (the email escaped)
            '\n<span class="portal-account align-self-center'
            f'{" small" if small else ""}">Portal account: '
            f'<span class="text-break">{escape(login.email)}</span></span>\n'
        )
    invite = "Invite to the portal again" if patient.user_id else "Invite to the portal"
    return SafeString(  # nosec B703 B308 (the link escaped)
        f'\n<a class="btn{" btn-sm" if small else ""} btn-outline-secondary" '
        f'href="{escape(held_urls(patient)("portal:invite", patient.public_id))}">{invite}</a>\n'
    )


# The page's heading and its buttons as templates/patients/patient_detail.html drew them (a test
# holds them together).
_ARCHIVED = mark_safe(' <span class="badge text-bg-secondary">Archived</span>')  # nosec B308


def _csrf_input(token) -> str:
    """What `{% csrf_token %}` draws for the context's token."""
    if not token:
        return ""
    if token == "NOTPROVIDED":  # noqa: S105 (Django's marker)
        return ""
    return f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(token)}">'


@register.simple_tag(takes_context=True)
def patient_header(context, patient, text: FilterText | None = None) -> str:
    """The patient's name (and whether archived), birth day, age and sex, and the buttons to
    edit, archive or restore, and for the manager to export or erase: drawn with f-strings,
    each value escaped where `html` escaped it."""
    archived = patient.is_archived
    public_id = patient.public_id
    url = held_urls(patient)  # the script prefix read once a view (the page's), not once a link
    born = (text or FilterText()).date(patient.date_of_birth, "j M Y")
    action = url("patients:restore" if archived else "patients:archive", public_id)
    privacy = (
        '<a class="btn btn-outline-danger" '
        f'href="{escape(url("patients:privacy", public_id))}">Privacy: export or erase</a>'
        if "manager" in context.get("user_roles", ())
        else ""
    )
    return SafeString(  # nosec B703 B308 (every value escaped)
        '<div class="d-flex flex-wrap justify-content-between align-items-start gap-2 mb-3">\n'
        "  <div>\n"
        f'    <h1 class="h3 mb-1">{escape(patient.full_name)}{_ARCHIVED if archived else ""}'
        "</h1>\n"
        f'    <p class="text-body-secondary mb-0">Born {escape(born)} (age {escape(patient.age)})'
        f" &middot; {escape(display(patient, 'sex'))}</p>\n"
        "  </div>\n"
        '  <div class="d-flex flex-wrap gap-2">\n'
        '    <a class="btn btn-outline-primary" '
        f'href="{escape(url("patients:edit", public_id))}">Edit details</a>\n'
        f'    \n      <form method="post" action="{escape(action)}">'
        f"{_csrf_input(context.get('csrf_token'))}"
        '<button class="btn btn-outline-secondary" type="submit">'
        f"{'Restore' if archived else 'Archive'}</button></form>\n    \n"
        f"    {privacy}\n"
        "  </div>\n"
        "</div>"
    )
