"""The patient page's timeline, drawn in one template step instead of an include per entry.

A patient has tens of entries (every appointment, assessment, decision and stage change);
an `{% include %}` each, with its `date` filter, was about a sixth of the page's build.
"""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from clinic.display import display
from clinic.filters import FilterText
from clinic.links import held_urls
from clinic.markup import escape

register = template.Library()


def _entry(entry, text: FilterText) -> str:
    """One entry's `<li>`, as `html_join` filled the pattern `timeline_items` had (every value
    escaped as `escape` does; the title's link and the detail are this module's markup)."""
    url = entry.url
    title = f'<a href="{escape(url)}">{escape(entry.title)}</a>' if url else escape(entry.title)
    day = text.date(entry.when, "j M Y")
    detail = entry.detail
    detail = f'\n  <div class="small text-body-secondary">{escape(detail)}</div>' if detail else ""
    return (
        f'<li class="list-group-item timeline-entry timeline-{escape(entry.kind)}">\n'
        '  <div class="d-flex flex-wrap justify-content-between gap-2">\n'
        f"    <span>{title}</span>\n"
        f'    <time class="text-body-secondary small">{escape(day)}</time>\n'
        f"  </div>{detail}\n"
        "</li>"
    )


@register.simple_tag
def timeline_items(entries, text: FilterText | None = None) -> str:
    """One `<li>` per entry: its title (a link when it has a URL), its day and its detail
    (`text`: the zone and language read already, for the episodes' cards). Drawn with
    f-strings (`_entry`): a pattern filled through `str.format` and a list of escaped values
    a row cost about twice the instructions."""
    text = text or FilterText()
    return SafeString("\n".join([_entry(entry, text) for entry in entries]))  # nosec B703 B308


_NOTHING_YET = mark_safe(  # nosec B308 (a constant)
    '\n              <li class="list-group-item text-body-secondary">Nothing recorded yet.</li>\n'
    "            "
)


def _episode(episode, entries, clinical: bool, text: FilterText, url) -> str:
    """One episode's card, as the pattern `html_join` filled drew it (the number,
    an int, and the badge's class need no escaping; the discharge link's URL is escaped as
    `html` escaped it)."""
    is_open = episode.is_open
    number = escape(episode.number)
    badge = "text-bg-success" if is_open else "text-bg-secondary"
    discharge = (
        '<a class="btn btn-sm btn-outline-secondary" '
        f'href="{escape(url("patients:episode_discharge", episode.public_id))}">Discharge</a>'
        if clinical and is_open
        else ""
    )
    return (
        f'\n        <article class="card mb-3" aria-labelledby="episode-{number}">\n'
        '          <div class="card-header d-flex flex-wrap justify-content-between'
        ' align-items-center gap-2">\n'
        f'            <h3 class="h6 mb-0" id="episode-{number}">Episode {number}\n'
        f'              <span class="badge {badge}">'
        f"{escape(display(episode, 'status'))}</span>\n"
        "            </h3>\n"
        f"            {discharge}\n"
        "          </div>\n"
        '          <ol class="list-group list-group-flush timeline">\n'
        f"            {timeline_items(entries, text) if entries else _NOTHING_YET}\n"
        "          </ol>\n"
        "        </article>\n      "
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
    return SafeString(  # nosec B703 B308 (every value escaped)
        "".join(
            [_episode(episode, entries, clinical, text, url) for episode, entries in episode_rows]
        )
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
