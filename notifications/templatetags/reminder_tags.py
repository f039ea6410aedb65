"""Reminder deliveries drawn in Python: the patient page lists the latest five, and a loop with
an include per row cost more than the read behind it."""

from __future__ import annotations

from django import template

from clinic.filters import FilterText
from clinic.markup import html, html_join
from notifications.models import ReminderDelivery

register = template.Library()

_LABELS = dict(ReminderDelivery.Status.choices)
_BADGE = '<span class="badge reminder-status reminder-status-{}">{}</span>'
_ROW = "\n      <li>{} {}\n        {}\n\n        {}</li>\n      "
_REASON = '<span class="text-body-secondary small">{}</span>'


@register.simple_tag
def reminder_status_badge(status: str) -> str:
    """A delivery's state as a badge, in words ("Waiting to be sent"), never its code."""
    return html(_BADGE, status, _LABELS.get(status, status))


@register.simple_tag
def reminder_rows(deliveries, text=None) -> str:
    """One `<li>` per delivery (values with `local_date`, `slot`, `status` and `reason`): the
    local day and time it was due, its state, and why it was skipped or failed. `text`: the
    page's `FilterText` (made here without it)."""
    text = FilterText() if text is None else text
    return html_join(
        "",
        _ROW,
        (
            (
                text.date(delivery["local_date"], "j M"),
                text.time(delivery["slot"], "H:i"),
                reminder_status_badge(delivery["status"]),
                html(_REASON, delivery["reason"]) if delivery["reason"] else "",
            )
            for delivery in deliveries
        ),
    )
