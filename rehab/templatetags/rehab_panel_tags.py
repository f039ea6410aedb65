"""The patient page's rehab panel, each open episode drawn in one step: its stage, the
criteria to move on, and for a recurrence what happened last time. As a template loop it was
some forty template steps an episode (the largest panel left on the page)."""

from __future__ import annotations

from django import template
from django.template.defaultfilters import pluralize
from django.utils.safestring import mark_safe

from clinic.display import display
from clinic.filters import FilterText, held_text
from clinic.links import held_urls, uuid_urls
from clinic.markup import html, html_join
from rehab.templatetags.criteria_tags import criteria_items

register = template.Library()

_EPISODE = (
    '\n    <div class="mb-3 rehab-episode">\n'
    '      <h3 class="h6 mb-1">Episode {}</h3>\n'
    "      {}\n"
    "      {}\n"
    "    </div>\n    "
)
_STAGE = (
    '\n        <p class="mb-1"><strong class="rehab-current-stage">{}</strong>'
    ' <span class="text-body-secondary small">{} · {}</span></p>\n'
    '        <p class="small mb-1">To move on:</p>\n'
    '        <ul class="list-group list-group-flush rehab-criteria">\n'
    "  {}\n"
    "</ul>\n\n"
    '        <a class="btn btn-sm btn-outline-primary mt-2" href="{}">{}</a>\n      '
)
_NO_STAGE = '\n        <p class="text-body-secondary mb-0">{}</p>\n      '
_PREVIOUS = (
    '\n      <div class="rehab-previous border-top mt-3 pt-2">\n'
    '        <h4 class="h6">Last time: episode {}{}</h4>\n'
    '        <dl class="row small mb-0">\n'
    '          <dt class="col-5">Diagnosis</dt><dd class="col-7">{}</dd>\n'
    '          <dt class="col-5">Stages</dt><dd class="col-7">{}</dd>\n'
    "          {}\n"
    '          <dt class="col-5">What was done</dt><dd class="col-7">{}</dd>\n'
    "          {}\n"
    "        </dl>\n"
    "      </div>\n      "
)
_STALLED = '<dt class="col-5">Stalled in</dt><dd class="col-7">{} ({} days, the longest)</dd>'
_UNMET = '<dt class="col-5">Unmet at discharge</dt><dd class="col-7">{}</dd>'
_LINE_BREAK = mark_safe("<br>")  # nosec B308 (a constant)
_NO_EPISODE = mark_safe(  # nosec B308 (a constant)
    '\n    <p class="text-body-secondary">No open episode.</p>\n    '
)


def _stage(status, text: FilterText, url) -> str:
    if not status.stage:
        return html(_NO_STAGE, status.message)
    decision = status.decision
    return html(
        _STAGE,
        status.stage.label,
        status.position,
        display(decision, "clinician_final_dx") if decision is not None else "",
        criteria_items(status.results, text),
        url("rehab:stage_change", status.episode.public_id),
        "Move to next stage" if status.next_stage else "Change stage",
    )


def _periods(periods) -> str:
    if not periods:
        return "None recorded"
    return html_join(
        "; ",
        "{}: {} day{}",
        ((period.stage.label, period.days, pluralize(period.days)) for period in periods),
    )


def _care(care) -> str:
    if not care:
        return "Nothing recorded"
    return html_join(
        _LINE_BREAK,
        "{}: {}",
        (
            (fact["label"], html_join(", ", "{}", ((item,) for item in fact["items"])))
            for fact in care
        ),
    )


def _previous(previous, text: FilterText) -> str:
    if not previous:
        return ""
    discharged = previous.episode.discharged_on
    stalled = previous.stalled
    unmet = previous.unmet_at_discharge
    return html(
        _PREVIOUS,
        previous.episode.number,
        f", discharged {text.date(discharged, 'j M Y')}" if discharged else "",
        previous.diagnosis,
        _periods(previous.periods),
        html(_STALLED, stalled.stage.label, stalled.days) if stalled else "",
        _care(previous.care),
        html(_UNMET, "; ".join(row["label"] for row in unmet)) if unmet else "",
    )


@register.simple_tag
def rehab_episodes(rows, text=None, url=None) -> str:
    """Each open episode's rehab (`{"status": RehabStatus, "previous": PreviousEpisode |
    None}` rows, as the panel lists them), or that there is no open episode. `text` and `url`:
    the page's `FilterText` and `uuid_urls()` (made here without them)."""
    if not rows:
        return _NO_EPISODE
    text = FilterText() if text is None else text
    url = uuid_urls() if url is None else url
    return html_join(
        "",
        _EPISODE,
        (
            (
                row["status"].episode.number,
                _stage(row["status"], text, url),
                _previous(row["previous"], text),
            )
            for row in rows
        ),
    )


# The whole panel as rehab/panels/patient_rehab.html drew it (a test holds them together).
_PANEL = (
    '<section class="card mb-3" aria-labelledby="rehab-heading">\n'
    '  <div class="card-body">\n'
    '    <h2 class="h5" id="rehab-heading">Rehab stage</h2>\n'
    "    {}\n"
    "    {}\n"
    "  </div>\n"
    "</section>\n"
)
_SUMMARIES = (
    '\n    <h3 class="h6 mt-2">Discharge summaries</h3>\n'
    '    <ul class="list-unstyled mb-0">\n'
    "      {}\n"
    "    </ul>\n    "
)
_SUMMARY = '\n      <li>Episode {}: <a href="{}">summary</a>{}</li>\n      '
_GP_LETTER = ' · <a href="{}">GP letter</a>'


def draw_panel(values: dict, csrf_token) -> str:
    """The patient page's rehab panel (`Panel.draw`): each open episode (`rehab_episodes`),
    then the discharge summaries with their GP letters, with the page's `FilterText` and
    links (`held_text`, `held_urls`: made once a view)."""
    summaries = values["summaries"]
    text, url = held_text(values.get("patient")), held_urls(values.get("patient"))
    listed = (
        html(
            _SUMMARIES,
            html_join(
                "",
                _SUMMARY,
                (
                    (
                        summary.episode.number,
                        url("rehab:summary", summary.public_id),
                        html(_GP_LETTER, url("rehab:gp_letter", summary.public_id))
                        if summary.gp_letter_consent
                        else "",
                    )
                    for summary in summaries
                ),
            ),
        )
        if summaries
        else ""
    )
    return html(_PANEL, rehab_episodes(values["rows"], text, url), listed)
