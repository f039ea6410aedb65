"""The patient page's timeline, drawn in one template step instead of an include per entry.

A patient has tens of entries (every appointment, assessment, decision and stage change);
an `{% include %}` each, with its `date` filter, was about a sixth of the page's build.
"""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils.html import format_html, format_html_join

from clinic.filters import FilterText

register = template.Library()


def day_label(when: dt.datetime | dt.date, text: FilterText | None = None) -> str:
    """`when|date:"j M Y"` (an aware time in the current time zone, as the filter does)."""
    return (text or FilterText()).date(when, "j M Y")


def _entry(entry, text: FilterText) -> tuple:
    title = format_html('<a href="{}">{}</a>', entry.url, entry.title) if entry.url else entry.title
    detail = (
        format_html('\n  <div class="small text-body-secondary">{}</div>', entry.detail)
        if entry.detail
        else ""
    )
    return (entry.kind, title, day_label(entry.when, text), detail)


@register.simple_tag
def timeline_items(entries) -> str:
    """One `<li>` per entry: its title (a link when it has a URL), its day and its detail."""
    text = FilterText()
    return format_html_join(
        "\n",
        '<li class="list-group-item timeline-entry timeline-{}">\n'
        '  <div class="d-flex flex-wrap justify-content-between gap-2">\n'
        "    <span>{}</span>\n"
        '    <time class="text-body-secondary small">{}</time>\n'
        "  </div>{}\n"
        "</li>",
        (_entry(entry, text) for entry in entries),
    )
