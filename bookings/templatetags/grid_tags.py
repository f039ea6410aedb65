"""The calendar grid's booked blocks, drawn in Python (see bookings/includes/grid.html)."""

from __future__ import annotations

from django import template
from django.template.loader import get_template
from django.utils import timezone
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe

from bookings.calendar_items import STATUS_WORDS
from bookings.confirmation import LEGEND, confirmation_mark, confirmation_words
from bookings.grid import Cell, escape_text, long_date
from clinic.widgets import input_html

register = template.Library()


@register.simple_tag(takes_context=True)
def booked_cell(context, cell: Cell, marks: dict | None = None) -> SafeString:
    """The `<td>` of a booked block: each appointment's link, type, room and status, what other
    apps mark on it (`marks`: appointment id to HTML, e.g. treatment's session-note link), and
    on the day view (`show_actions`) its attendance buttons. A week shows about fifty of these;
    drawn by the template they were half of its build (about a dozen template steps and three
    date formats per appointment). Booked appointments carry whether the patient has said
    they are coming, and on the day view, until they end, reception's "Confirmed by phone"
    (or its undo)."""
    prefix = escape_text(context.get("detail_prefix", ""))
    day = escape_text(long_date(cell.day))
    column = escape_text(cell.column.name)
    buttons = confirm_buttons = None
    if context.get("show_actions"):
        buttons = get_template("bookings/includes/status_buttons.html").template
        confirm_buttons = get_template("bookings/includes/confirm_buttons.html").template
    now = timezone.now()
    zone = timezone.get_current_timezone()  # what `timezone.localtime` reads, once per block
    rowspan = f' rowspan="{cell.rows}"' if cell.rows > 1 else ""
    parts = [f'<td class="grid-cell grid-booked grid-span-{cell.rows}"{rowspan}>']
    for item in cell.appointments:
        start, end = item.start.astimezone(zone), item.end.astimezone(zone)
        status = escape_text(item.status)
        room = f" · {escape_text(item.room.name)}" if item.room_id else ""
        badge = (
            f'<span class="badge booking-status booking-status-{status}">'
            f"{escape_text(STATUS_WORDS.get(item.status, item.status))}</span>"
            if item.status != "booked"
            else ""
        )
        parts.append(
            f'<div class="grid-appointment booking-status-edge-{status}">'
            f'<a href="{prefix}{escape_text(item.public_id)}/" data-grid-cell>'
            f'<span class="visually-hidden">Booked, {day} </span>'
            f"{start:%H:%M}\N{EN DASH}{end:%H:%M}"
            f" {escape_text(item.patient.full_name)}"
            f'<span class="visually-hidden"> with {column}</span></a>'
            f'<span class="d-block small text-body-secondary">'
            f"{escape_text(item.appointment_type.name)}{room}</span>{badge}"
        )
        mark = confirmation_mark(
            status=item.status,
            confirmed_at=item.confirmed_at,
            asked=getattr(item, "asked_to_confirm", False),
        )
        if mark is not None:
            parts.append(_mark_html(mark, item.confirmed_via))
        if marks and item.pk in marks:
            parts.append(conditional_escape(marks[item.pk]))
        if confirm_buttons is not None and mark is not None and item.end > now:
            with context.push(item=item):
                parts.append(confirm_buttons.render(context))
        if buttons is not None and item.attendance_open:
            with context.push(item=item):
                parts.append(buttons.render(context))
        parts.append("</div>")
    parts.append("</td>")
    return mark_safe("".join(parts))  # noqa: S308  # nosec B308 B703 (every value escaped)


def _mark_html(mark, confirmed_via: str) -> str:
    """Whether the patient has said they are coming: a symbol (hidden from screen readers) and
    words, never colour alone."""
    return (
        f'<span class="d-block small booking-confirm booking-confirm-{escape_text(mark.key)}">'
        '<span class="booking-confirm-symbol" aria-hidden="true">'
        f"{escape_text(mark.symbol)}</span> "
        f'<span class="visually-hidden">Reply to reminder: </span>'
        f"{escape_text(confirmation_words(mark, confirmed_via))}</span>"
    )


@register.simple_tag
def confirmation_legend() -> SafeString:
    """What the marks on booked appointments mean, above the grid."""
    items = "".join(
        f'<li class="list-inline-item booking-confirm booking-confirm-{escape(mark.key)}">'
        f'<span class="booking-confirm-symbol" aria-hidden="true">{escape(mark.symbol)}</span> '
        f"<strong>{escape(mark.label)}</strong>: {escape(mark.meaning)}</li>"
        for mark in LEGEND
    )
    return mark_safe(  # noqa: S308  # nosec B308 B703 (every value escaped)
        '<div class="grid-legend small mb-2"><span id="confirm-legend-heading">'
        "Has the patient said they are coming?</span>"
        f'<ul class="list-inline mb-0" aria-labelledby="confirm-legend-heading">{items}</ul></div>'
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
def grid_rows(context, grid, marks: dict | None = None) -> SafeString:
    """The grid's body: a `<tr>` per row with its time and its parts (drawn runs of free,
    closed and past cells, and booked blocks). About forty rows of a few parts each: as
    template steps they were a fifth of a week's build."""
    parts = []
    for row in grid.rows:
        kind = "grid-hour" if row.on_the_hour else "grid-quarter"
        parts.append(f'<tr class="{kind}"><th scope="row" class="grid-time">{row.time:%H:%M}</th>')
        for part in row.parts:
            parts.append(part.html if part.html else booked_cell(context, part, marks))
        parts.append("</tr>")
    return mark_safe("".join(parts))  # noqa: S308  # nosec B308 B703 (parts escaped where drawn)
