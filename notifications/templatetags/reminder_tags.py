"""Reminder deliveries drawn in Python: the patient page lists the latest five, and a loop with
an include per row cost more than the read behind it."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from clinic.filters import FilterText
from clinic.markup import escape, html
from notifications.models import ReminderDelivery

register = template.Library()

_LABELS = dict(ReminderDelivery.Status.choices)
_BADGE = '<span class="badge reminder-status reminder-status-{}">{}</span>'


@register.simple_tag
def reminder_status_badge(status: str) -> str:
    """A delivery's state as a badge, in words ("Waiting to be sent"), never its code."""
    return html(_BADGE, status, _LABELS.get(status, status))


@register.simple_tag
def reminder_rows(deliveries, text=None) -> str:
    """One `<li>` per delivery (values with `local_date`, `slot`, `status` and `reason`): the
    local day and time it was due, its state, and why it was skipped or failed. `text`: the
    page's `FilterText` (made here without it). Drawn with f-strings, every value escaped as
    `html_join` and `reminder_status_badge` escaped it (the patient page draws five a view)."""
    text = FilterText() if text is None else text
    rows = []
    for delivery in deliveries:
        status, reason = delivery["status"], delivery["reason"]
        reason = (
            f'<span class="text-body-secondary small">{escape(reason)}</span>' if reason else ""
        )
        rows.append(
            f"\n      <li>{escape(text.date(delivery['local_date'], 'j M'))} "
            f"{escape(text.time(delivery['slot'], 'H:i'))}\n"
            f'        <span class="badge reminder-status reminder-status-{escape(status)}">'
            f"{escape(_LABELS.get(status, status))}</span>\n\n"
            f"        {reason}</li>\n      "
        )
    return SafeString("".join(rows))  # nosec B703 B308 (every value escaped)
