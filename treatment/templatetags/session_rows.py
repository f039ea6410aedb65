"""A signed session note's re-test table and treatment list, each drawn in one step.

As template loops they were a handful of template steps per value (each 10 to 15 microseconds)
on the most opened kind of note. Each tag draws exactly what its loop drew
(`tests/treatment/test_session_rows.py` keeps the loops and compares), every value escaped as
`{{ }}` escapes it."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from clinic.markup import escape

register = template.Library()

_CHANGE = (
    '<tr><th scope="row" class="fw-normal">{}</th><td>{}</td><td>{}</td>'
    '<td data-change="{}">{}</td></tr>'
)
_NO_CHANGE = '<tr><td colspan="4">No re-tests recorded.</td></tr>'


@register.simple_tag
def change_rows(rows: list[dict]) -> SafeString:
    """Each re-test recorded in either phase: its label, both values and the change."""
    if not rows:
        return mark_safe(_NO_CHANGE)  # noqa: S308  # nosec B308 B703 (fixed markup)
    return mark_safe(  # noqa: S308  # nosec B308 B703 (every value escaped)
        "".join(
            _CHANGE.format(
                escape(row["label"]),
                escape(row["before"]),
                escape(row["after"]),
                escape(row["name"]),
                escape(row["change"]),
            )
            for row in rows
        )
    )


def _treatment(item) -> str:
    parts = [escape(item.get_kind_display())]
    if item.technique:
        parts.append(f": {escape(item.get_technique_display().lower())}")
    if item.level:
        parts.append(f" at {escape(item.get_level_display())}")
    if item.grade:
        parts.append(f", grade {escape(item.grade_roman)}")
    if item.body_position:
        parts.append(f", {escape(item.get_body_position_display().lower())}")
    if item.repetitions:
        parts.append(f", {item.repetitions:d} repetitions")
    if item.note:
        parts.append(f". {escape(item.note)}")
    return f"\n      <li>{''.join(parts)}</li>\n    "


@register.simple_tag
def treatment_items(items) -> SafeString:
    """Each treatment given, as a list item: kind, technique, level, grade, position,
    repetitions and note, each only when recorded."""
    if not items:
        return mark_safe("<li>None recorded.</li>")  # nosec B308 B703
    return mark_safe("".join(_treatment(item) for item in items))  # noqa: S308  # nosec B308 B703
