"""A plan's weekly adherence table drawn in one template step: the patient page shows every
published plan with its weeks, and a loop of a dozen variables and filters per week was a
good part of its exercise panel's build."""

from __future__ import annotations

from django import template

from clinic.filters import FilterText
from clinic.markup import html, html_join

register = template.Library()

_ROW = (
    "\n          <tr>\n"
    '            <th scope="row">{} <span class="small text-body-secondary">({})</span></th>\n'
    "            <td>{} of {}</td>\n"
    "            <td>{}%{}</td>\n"
    "            <td>{}</td>\n"
    "          </tr>\n        "
)
_NOTE = ' <span class="small text-body-secondary">{}</span>'


def _week(week, text: FilterText) -> tuple:
    pain = "—" if week.pain_peak is None else html("{}/10", text.number(week.pain_peak, "-1"))
    return (
        week.number,
        text.date(week.week_start, "j M"),
        week.sessions_logged,
        week.sessions_prescribed,
        week.adherence_percent,
        "" if week.complete else html(_NOTE, "so far"),
        pain,
    )


@register.simple_tag
def adherence_rows(series) -> str:
    """One table row per plan week: its number and first day, sessions logged of those
    prescribed, adherence (with "so far" while the week runs) and the worst pain's mean."""
    text = FilterText()
    return html_join("", _ROW, (_week(week, text) for week in series))
