"""The patient page's timeline, drawn in one template step instead of an include per entry.

A patient has tens of entries (every appointment, assessment, decision and stage change);
an `{% include %}` each, with its `date` filter, was about a sixth of the page's build.
"""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils.safestring import mark_safe

from clinic.display import display
from clinic.filters import FilterText
from clinic.links import held_urls
from clinic.markup import html, html_join

register = template.Library()


def day_label(when: dt.datetime | dt.date, text: FilterText | None = None) -> str:
    """`when|date:"j M Y"` (an aware time in the current time zone, as the filter does)."""
    return (text or FilterText()).date(when, "j M Y")


def _entry(entry, text: FilterText) -> tuple:
    title = html('<a href="{}">{}</a>', entry.url, entry.title) if entry.url else entry.title
    detail = (
        html('\n  <div class="small text-body-secondary">{}</div>', entry.detail)
        if entry.detail
        else ""
    )
    return (entry.kind, title, day_label(entry.when, text), detail)


@register.simple_tag
def timeline_items(entries, text: FilterText | None = None) -> str:
    """One `<li>` per entry: its title (a link when it has a URL), its day and its detail
    (`text`: the zone and language read already, for the episodes' cards)."""
    text = text or FilterText()
    return html_join(
        "\n",
        '<li class="list-group-item timeline-entry timeline-{}">\n'
        '  <div class="d-flex flex-wrap justify-content-between gap-2">\n'
        "    <span>{}</span>\n"
        '    <time class="text-body-secondary small">{}</time>\n'
        "  </div>{}\n"
        "</li>",
        (_entry(entry, text) for entry in entries),
    )


_EPISODE = (
    '\n        <article class="card mb-3" aria-labelledby="episode-{}">\n'
    '          <div class="card-header d-flex flex-wrap justify-content-between align-items-center'
    ' gap-2">\n'
    '            <h3 class="h6 mb-0" id="episode-{}">Episode {}\n'
    '              <span class="badge {}">{}</span>\n'
    "            </h3>\n"
    "            {}\n"
    "          </div>\n"
    '          <ol class="list-group list-group-flush timeline">\n'
    "            {}\n"
    "          </ol>\n"
    "        </article>\n      "
)
_DISCHARGE = '<a class="btn btn-sm btn-outline-secondary" href="{}">Discharge</a>'
_NOTHING_YET = mark_safe(  # nosec B308 (a constant)
    '\n              <li class="list-group-item text-body-secondary">Nothing recorded yet.</li>\n'
    "            "
)


def _episode(episode, entries, clinical: bool, text: FilterText, url) -> tuple:
    is_open = episode.is_open
    return (
        episode.number,
        episode.number,
        episode.number,
        "text-bg-success" if is_open else "text-bg-secondary",
        display(episode, "status"),
        html(_DISCHARGE, url("patients:episode_discharge", episode.public_id))
        if clinical and is_open
        else "",
        timeline_items(entries, text) if entries else _NOTHING_YET,
    )


@register.simple_tag
def episode_cards(
    episode_rows, clinical: bool, text: FilterText | None = None, patient=None
) -> str:
    """One card per episode (`(episode, its timeline entries)` pairs, as the page lists them):
    its number and state, for clinicians a link to discharge an open one, and its timeline
    (the time zone, language and script prefix read once for every card, not once a card;
    `text` and the links `patient` holds: the page's own, read once a view)."""
    text, url = text or FilterText(), held_urls(patient)
    return html_join(
        "",
        _EPISODE,
        (_episode(episode, entries, clinical, text, url) for episode, entries in episode_rows),
    )


@register.simple_tag
def episode_summary(episode_rows, text: FilterText | None = None) -> str:
    """The episodes in one line: "Episode 2 from Mar 2026 (open); Episode 1 from ..."."""
    text = text or FilterText()
    return "; ".join(
        f"Episode {episode.number} from {text.date(episode.started_on, 'M Y')}"
        + (f" to {text.date(episode.discharged_on, 'M Y')}" if episode.discharged_on else " (open)")
        for episode, _ in episode_rows
    )
