"""A stage's criteria drawn in one template step: the patient page shows them for every open
episode, and a loop of a dozen variables and filters per criterion was most of its rehab
panel's drawing."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from clinic.filters import FilterText
from clinic.markup import escape, html, html_join

register = template.Library()

_ROW = (
    '\n  <li class="list-group-item px-0 rehab-criterion" data-status="{}">\n'
    '    <div class="d-flex flex-wrap justify-content-between gap-2">\n'
    "      <span>{}</span>\n"
    '      <span class="badge {}">{}</span>\n'
    "    </div>\n"
    "    {}\n"
    "  </li>\n  "
)
_BADGES = {"met": "text-bg-success", "not_met": "text-bg-warning"}
_DETAIL = '<div class="small text-body-secondary">{}{}{}</div>'


def _detail(result, text: FilterText) -> str:
    if not (result.value or result.source):
        return ""
    return html(
        _DETAIL,
        result.value,
        html(" &middot; {}", text.date(result.on, "j M Y")) if result.on else "",
        html(" &middot; {}", result.source) if result.source else "",
    )


@register.simple_tag
def criteria_rows(results, text=None) -> str:
    """One `<li>` per criterion result: what it asks, met or not (or not known yet), and the
    reading behind it with its day and where it came from. `text`: the page's `FilterText`
    (made here without it)."""
    text = FilterText() if text is None else text
    return html_join(
        "",
        _ROW,
        (
            (
                result.status,
                result.label,
                _BADGES.get(result.status, "text-bg-secondary"),
                result.status_label,
                _detail(result, text),
            )
            for result in results
        ),
    )


def _detail_drawn(result, text: FilterText) -> str:
    """`_detail` drawn with f-strings (the same markup)."""
    value, source = result.value, result.source
    if not (value or source):
        return ""
    on = f" &middot; {escape(text.date(result.on, 'j M Y'))}" if result.on else ""
    source = f" &middot; {escape(source)}" if source else ""
    return f'<div class="small text-body-secondary">{escape(value)}{on}{source}</div>'


def criteria_items(results, text: FilterText) -> str:
    """What `criteria_rows(results, text)` draws, with f-strings: the patient page's rehab
    panel draws every open episode's criteria on each view, and a pattern filled through
    `str.format` with a list of escaped values a row cost about twice the instructions (the
    other pages keep `criteria_rows`; a test holds the two together)."""
    return SafeString(  # nosec B703 B308 (every value escaped)
        "".join(
            [
                '\n  <li class="list-group-item px-0 rehab-criterion" '
                f'data-status="{escape(result.status)}">\n'
                '    <div class="d-flex flex-wrap justify-content-between gap-2">\n'
                f"      <span>{escape(result.label)}</span>\n"
                f'      <span class="badge {_BADGES.get(result.status, "text-bg-secondary")}">'
                f"{escape(result.status_label)}</span>\n"
                "    </div>\n"
                f"    {_detail_drawn(result, text)}\n"
                "  </li>\n  "
                for result in results
            ]
        )
    )
