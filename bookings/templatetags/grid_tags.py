"""The calendar grid's tags: its table (drawn by bookings/grid_html.py), the legend of the
confirmation marks and the filter fields."""

from __future__ import annotations

import functools

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from bookings import grid_html
from bookings.calendar_filter import CalendarFilter
from bookings.confirmation import LEGEND
from bookings.grid import escape_text
from clinic import links
from clinic.widgets import input_html

register = template.Library()


@register.simple_tag
@functools.cache
def confirmation_legend() -> SafeString:
    """What the marks on booked appointments mean, above the grid: fixed text, drawn once per
    process."""
    items = "".join(
        f'<li class="list-inline-item booking-confirm booking-confirm-{escape(mark.key)}">'
        '<span class="booking-confirm-symbol" aria-hidden="true">'
        f"{grid_html.symbol_html(mark)}</span> "
        f"<strong>{escape(mark.label)}</strong>: {escape(mark.meaning)}</li>"
        for mark in LEGEND
    )
    return mark_safe(  # noqa: S308  # nosec B308 B703 (every value escaped)
        '<div class="grid-legend small mb-2"><span id="confirm-legend-heading">'
        "Has the patient said they are coming?</span>"
        f'<ul class="list-inline mb-0" aria-labelledby="confirm-legend-heading">{items}</ul></div>'
    )


@register.simple_tag(takes_context=True)
def calendar_nav(context, period: str, alternate_url: str = "", alternate_label: str = ""):
    """The calendars' buttons (book, find a slot, waitlist, schedules, the previous and next
    `period`, today, the other view) and their filter form (date, site when there are several,
    therapist), drawn in one step. Reads form, therapist, site, previous and next. Values are
    escaped by `escape_text`, the text Django's `escape` gives without a `SafeString` made of
    each piece that goes straight into this one."""
    form, therapist, site = context["form"], context.get("therapist"), context.get("site")
    chosen = f"therapist={escape_text(therapist.public_id)}" if therapist else ""
    here = chosen + (
        f"{'&amp;' if therapist else ''}site={escape_text(site.public_id)}" if site else ""
    )
    period = escape_text(period)
    other = (
        f'<a class="btn btn-link" href="{escape_text(alternate_url)}">'
        f"{escape_text(alternate_label)}</a>"
        if alternate_url
        else ""
    )
    sites = "site" in form.fields
    width = "3" if sites else "4"
    # The filter's controls: drawn already when every value asked for is valid
    # (bookings/calendar_filter.py), else from the form's fields with their errors.
    if isinstance(form, CalendarFilter):
        drawn = form.drawn
    else:
        drawn = {name: calendar_field(form[name]) for name in form.fields}
    site_field = f'<div class="col-12 col-sm-5 col-md-3">{drawn["site"]}</div>' if sites else ""
    return mark_safe(  # noqa: S308  # nosec B308 B703 (every value escaped, fields drawn escaped)
        '\n<div class="d-flex flex-wrap gap-2 mb-3 d-print-none">\n'
        f'  <a class="btn btn-primary" href="{links.fixed_url("bookings:create")}">'
        "Book an appointment</a>\n"
        f'  <a class="btn btn-outline-primary" href="{links.fixed_url("bookings:find_slot")}">'
        "Find a free slot</a>\n"
        f'  <a class="btn btn-outline-secondary" href="{links.fixed_url("bookings:waitlist")}">'
        "Waitlist</a>\n"
        f'  <a class="btn btn-outline-secondary" href="{links.fixed_url("bookings:schedule")}'
        f'{"?" + chosen if therapist else ""}">Schedules</a>\n'
        f'  <a class="btn btn-outline-secondary" href="{escape_text(context["previous"])}"'
        f' aria-label="Previous {period}">&larr; Previous</a>\n'
        f'  <a class="btn btn-outline-secondary" href="?{here}">Today</a>\n'
        f'  <a class="btn btn-outline-secondary" href="{escape_text(context["next"])}"'
        f' aria-label="Next {period}">Next &rarr;</a>\n'
        f"  {other}\n</div>\n"
        '<form method="get" class="row g-2 align-items-end mb-3 d-print-none"'
        f' aria-label="Choose the day{", site" if sites else ""} and therapist" data-autosubmit>\n'
        f'  <div class="col-12 col-sm-5 col-md-{width}">{drawn["date"]}</div>\n'
        f"  {site_field}\n"
        f'  <div class="col-12 col-sm-5 col-md-{width}">{drawn["therapist"]}</div>\n'
        '  <div class="col-12 col-sm-2 mb-3"><button class="btn btn-outline-primary w-100"'
        ' type="submit">Show</button></div>\n</form>\n'
    )


@register.simple_tag
def calendar_field(field) -> SafeString:
    """One filter field of the calendars (date, therapist) in the markup crispy-forms gives it
    (Bootstrap 5: label, control, each error next to it, tied by aria-describedby), drawn
    here: crispy's templates for two fields were about a tenth of a week's build."""
    css = "select form-select" if field.widget_type == "select" else "dateinput form-control"
    attrs = {"class": css}
    errors = ""
    if field.errors:
        attrs.update(
            {
                "class": f"{css} is-invalid",
                "aria-invalid": "true",
                "aria-describedby": f"{field.auto_id}_error",
            }
        )
        errors = "".join(
            f'<span id="error_{number}_{field.auto_id}"><strong>{escape(error)}</strong></span>'
            for number, error in enumerate(field.errors, start=1)
        )
        errors = f'<div id="{field.auto_id}_error" class="invalid-feedback">{errors}</div>'
    return mark_safe(  # noqa: S308  # nosec B308 B703 (label and errors escaped, widget Django's)
        f'<div id="div_{field.auto_id}" class="mb-3">'
        f'<label for="{field.id_for_label}" class="form-label">{escape(field.label)}</label>'
        f"{_widget(field, attrs)}{errors}</div>"
    )


_SELECTS: dict[tuple, str] = {}
_SELECTS_KEPT = 512


def _widget(field, attrs: dict) -> str:
    """The field's control as Django draws it (`as_widget`). A select's markup depends only on
    the inputs in `key` (its options and the value chosen among them: a handful of therapists
    or sites), and drawing it through Django's widget templates, a template step per option,
    was most of the filters' cost, so it is kept per process under exactly those inputs (up to
    `_SELECTS_KEPT` of them). Nothing else is kept: the options are read each view, a new or
    renamed therapist is a new key."""
    if field.widget_type != "select":
        return input_html(field, attrs)  # the date box: drawn without Django's templates
    value, form_field = field.value(), field.field
    key = (
        type(field.form),
        field.html_name,
        field.auto_id,
        field.help_text,
        tuple(sorted(attrs.items())),
        tuple(sorted(form_field.widget.attrs.items())),
        form_field.required,
        form_field.disabled,
        type(value),
        str(value),
        tuple((str(option), str(label)) for option, label in form_field.choices),
    )
    drawn = _SELECTS.get(key)
    if drawn is None:
        drawn = field.as_widget(attrs=attrs)
        if len(_SELECTS) < _SELECTS_KEPT:
            _SELECTS[key] = drawn
    return drawn


@register.simple_tag(takes_context=True)
def grid_table(context, grid, marks: dict | None = None) -> SafeString:
    """The grid's table and its list of cancelled appointments, drawn in one step
    (bookings/grid_html.py): as template steps, its headings, rows and booked blocks were most
    of a week's build."""
    return grid_html.table_html(context, grid, marks)
