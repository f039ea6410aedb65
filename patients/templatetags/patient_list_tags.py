"""The patient list's rows, drawn in one template step.

A page holds 25 patients; as template steps (a URL tag, a date filter, two defaults and five
variables each) the loop was about a quarter of the search page's time in cProfile.
"""

from __future__ import annotations

import functools
import html
import uuid

from django import template
from django.utils.dates import MONTHS_3
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from phonenumber_field.phonenumber import to_python

from clinic import links
from clinic.widgets import input_html

register = template.Library()


def _text(value) -> str:
    """What `{{ value }}` gives for a plain value: Django's `escape` without its wrapper."""
    return html.escape(str(value))


@functools.lru_cache(maxsize=16)
def _months(language: str | None) -> tuple[str, ...]:
    """The months as `date:"M"` names them in `language`, by number (1 to 12): translated
    once per process and language, not once per row."""
    return ("", *(MONTHS_3[month].title() for month in range(1, 13)))


def _day(day, months: tuple[str, ...]) -> str:
    """`day|date:"j M Y"` (the date of birth: a date, never empty)."""
    return f"{day.day} {months[day.month]} {day.year:04d}"


@functools.lru_cache(maxsize=8192)
def international(stored: str) -> str:
    """A stored phone number in international form ("+44 7700 900123"), as the patient
    record's `phone.as_international` gives it ("" for an empty or unreadable number). The
    same number always reads the same, so each is parsed and formatted once per process (a
    clinic's patients' numbers fit in the cache); parsing was about a twentieth of a search."""
    return getattr(to_python(stored), "as_international", "")


@functools.lru_cache(maxsize=8192)
def _phone_cell(stored: str) -> str:
    """The phone's cell text, escaped: `international(stored)`, or a dash for none."""
    return _text(international(stored) or "—")


@register.simple_tag
def patient_rows(patients) -> SafeString:
    """A `<tr>` per patient (`patients_search_page`'s rows: `phone_text` is the stored
    phone): name (a link to their page, "Archived" when archived), date of
    birth, phone in international form, email, and how many episodes; a dash for an empty
    phone or email. The link's parts around the UUID are read and escaped once per list."""
    parts = []
    months = _months(get_language())
    before, after = (_text(part) for part in links.uuid_url_parts("patients:detail"))
    archived = ' <span class="badge text-bg-secondary">Archived</span>'
    for patient in patients:
        public_id = patient.public_id
        if not isinstance(public_id, uuid.UUID):
            public_id = uuid.UUID(str(public_id))
        episodes = patient.episode_count
        parts.append(
            "\n      <tr>\n"
            f'        <td><a href="{before}{public_id}{after}">{_text(patient.last_name)},'
            f" {_text(patient.first_name)}</a>{archived if patient.is_archived else ''}</td>\n"
            f"        <td>{_day(patient.date_of_birth, months)}</td>\n"
            f"        <td>{_phone_cell(patient.phone_text)}</td>\n"
            f"        <td>{_text(patient.email or '—')}</td>\n"
            f"        <td>{episodes if type(episodes) is int else _text(episodes)}</td>\n"
            "      </tr>\n    "
        )
    return mark_safe("".join(parts))  # noqa: S308  # nosec B308 B703 (every value escaped)


_CSS = {"text": "textinput form-control", "checkbox": "checkboxinput form-check-input"}


@register.simple_tag
def search_field(field) -> SafeString:
    """One field of the search form (the words, or "include archived") in the markup
    crispy-forms gives it with Bootstrap 5 (label, control, each error next to the control and
    tied to it by aria-describedby), drawn here: crispy's templates for the form's two fields
    were most of the search page's template work. The control: `clinic.widgets.input_html`.
    A field already drawn (`patients.forms.PlainSearch`, a valid query) is given as it is."""
    if isinstance(field, SafeString):
        return field
    input_type = field.field.widget.input_type
    css = _CSS[input_type]
    attrs = {"class": css}
    errors = ""
    if field.errors:
        attrs = {
            "class": f"{css} is-invalid",
            "aria-invalid": "true",
            "aria-describedby": f"{field.auto_id}_error",
        }
        errors = "".join(
            f'<p id="error_{number}_{field.auto_id}"><strong>{_text(error)}</strong></p>'
            for number, error in enumerate(field.errors, start=1)
        )
        errors = f'<div id="{field.auto_id}_error" class="invalid-feedback">{errors}</div>'
    control = input_html(field, attrs)
    if input_type == "checkbox":
        label = (
            f'<label for="{field.id_for_label}" class="form-check-label">'
            f"{_text(field.label)}</label>"
        )
        return mark_safe(  # noqa: S308  # nosec B308 B703 (label and errors escaped, widget drawn escaped)
            f'<div class="mb-3"><div id="div_{field.auto_id}" class="form-check">'
            f"{control}{label}{errors}</div></div>"
        )
    return mark_safe(  # noqa: S308  # nosec B308 B703 (label and errors escaped, widget drawn escaped)
        f'<div id="div_{field.auto_id}" class="mb-3">'
        f'<label for="{field.id_for_label}" class="form-label">{_text(field.label)}</label>'
        f"{control}{errors}</div>"
    )


_HEAD = (
    '\n<div class="d-flex flex-wrap justify-content-between align-items-center gap-2 mb-3">\n'
    '  <h1 class="h3 mb-0">Patients</h1>\n'
    '  <a class="btn btn-primary" href="{create}">Register a patient</a>\n'
    "</div>\n"
    '<form method="get" class="row g-2 align-items-end mb-3" role="search">\n'
    '  <div class="col-12 col-md-6">{q}</div>\n'
    '  <div class="col-12 col-md-3">{archived}</div>\n'
    '  <div class="col-12 col-md-3 mb-3"><button class="btn btn-outline-primary w-100"'
    ' type="submit">Search</button></div>\n'
    "</form>\n"
)
_TABLE = (
    '\n<div class="table-responsive">\n'
    '  <table class="table table-hover align-middle">\n'
    '    <caption class="visually-hidden">Patients{caption}</caption>\n'
    '    <thead><tr><th scope="col">Name</th><th scope="col">Date of birth</th>'
    '<th scope="col">Phone</th><th scope="col">Email</th><th scope="col">Episodes</th>'
    "</tr></thead>\n"
    "    <tbody>\n"
    "    {rows}\n"
    "    </tbody>\n"
    "  </table>\n"
    "</div>\n"
    "{pages}\n\n"
)


def _pages(page, querystring: str) -> str:
    """The pager under the list when there are several pages (previous, "Page N of M", next),
    each link keeping the other parameters; as the include it replaced drew it (its text is
    kept in tests/patients/test_list_drawing.py)."""
    if not page.has_other_pages():
        return "\n"
    keep = f"{_text(querystring)}&amp;" if querystring else ""
    previous = (
        '<li class="page-item"><a class="page-link" href="?'
        f'{keep}page={page.previous_page_number()}">Previous</a></li>'
        if page.has_previous()
        else ""
    )
    following = (
        '<li class="page-item"><a class="page-link" href="?'
        f'{keep}page={page.next_page_number()}">Next</a></li>'
        if page.has_next()
        else ""
    )
    return (
        '\n<nav aria-label="Pages">\n  <ul class="pagination flex-wrap">\n'
        f"    {previous}\n"
        '    <li class="page-item active" aria-current="page"><span class="page-link">'
        f"Page {page.number} of {page.paginator.num_pages}</span></li>\n"
        f"    {following}\n"
        "  </ul>\n</nav>\n\n"
    )


@register.simple_tag
def patient_list_content(form, page, query: str, querystring: str) -> SafeString:
    """The patient list's content block in one step, as its template steps drew it: the
    heading, the search form (`search_field`), then the table of the page's patients
    (`patient_rows`) with the pager, or the sentence for no match. `querystring`: the
    request's parameters but the page, for the pager's links."""
    head = _HEAD.format(
        create=_text(links.fixed_url("patients:create")),
        q=search_field(form["q"]),
        archived=search_field(form["archived"]),
    )
    if page.object_list:
        caption = f" matching “{_text(query)}”" if query else ""
        rest = _TABLE.format(
            caption=caption, rows=patient_rows(page.object_list), pages=_pages(page, querystring)
        )
    elif query:
        rest = f'\n<p class="text-body-secondary">No patient matches “{_text(query)}”.</p>\n\n'
    else:
        rest = '\n<p class="text-body-secondary">No patients yet.</p>\n\n'
    return mark_safe(head + rest)  # noqa: S308  # nosec B308 B703 (every value escaped)
