"""The patient page's timeline, drawn in one template step instead of an include per entry.

A patient has tens of entries (every appointment, assessment, decision and stage change);
an `{% include %}` each, with its `date` filter, was about a sixth of the page's build.
"""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.dates import MONTHS_3
from django.utils.html import format_html, format_html_join

register = template.Library()


def day_label(when: dt.datetime | dt.date) -> str:
    """`when|date:"j M Y"` (an aware time in the current time zone, as the filter does)."""
    if isinstance(when, dt.datetime) and timezone.is_aware(when):
        when = timezone.localtime(when)
    return f"{when.day} {MONTHS_3[when.month].title()} {when.year}"


def _entry(entry) -> tuple:
    title = format_html('<a href="{}">{}</a>', entry.url, entry.title) if entry.url else entry.title
    detail = (
        format_html('\n  <div class="small text-body-secondary">{}</div>', entry.detail)
        if entry.detail
        else ""
    )
    return (entry.kind, title, day_label(entry.when), detail)


@register.simple_tag
def timeline_items(entries) -> str:
    """One `<li>` per entry: its title (a link when it has a URL), its day and its detail."""
    return format_html_join(
        "\n",
        '<li class="list-group-item timeline-entry timeline-{}">\n'
        '  <div class="d-flex flex-wrap justify-content-between gap-2">\n'
        "    <span>{}</span>\n"
        '    <time class="text-body-secondary small">{}</time>\n'
        "  </div>{}\n"
        "</li>",
        (_entry(entry) for entry in entries),
    )
