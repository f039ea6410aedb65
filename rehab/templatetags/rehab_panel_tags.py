"""The patient page's rehab panel, each open episode drawn in one step: its stage, the
criteria to move on, and for a recurrence what happened last time. As a template loop it was
some forty template steps an episode (the largest panel left on the page)."""

from __future__ import annotations

from django import template
from django.template.defaultfilters import pluralize
from django.utils.safestring import SafeString, mark_safe

from clinic.display import display
from clinic.filters import FilterText, held_text
from clinic.links import held_urls, uuid_urls
from clinic.markup import escape, html, html_join
from rehab.templatetags.criteria_tags import criteria_items

register = template.Library()

_NO_EPISODE = mark_safe(  # nosec B308 (a constant)
    '\n    <p class="text-body-secondary">No open episode.</p>\n    '
)


def _stage(status, text: FilterText, url) -> str:
    if not status.stage:
        return f'\n        <p class="text-body-secondary mb-0">{escape(status.message)}</p>\n      '
    decision = status.decision
    final = display(decision, "clinician_final_dx") if decision is not None else ""
    move = "Move to next stage" if status.next_stage else "Change stage"
    return (
        '\n        <p class="mb-1"><strong class="rehab-current-stage">'
        f"{escape(status.stage.label)}</strong>"
        f' <span class="text-body-secondary small">{escape(status.position)} &middot; '
        f"{escape(final)}"
        "</span></p>\n"
        '        <p class="small mb-1">To move on:</p>\n'
        '        <ul class="list-group list-group-flush rehab-criteria">\n'
        f"  {criteria_items(status.results, text)}\n"
        "</ul>\n\n"
        '        <a class="btn btn-sm btn-outline-primary mt-2" '
        f'href="{escape(url("rehab:stage_change", status.episode.public_id))}">{move}</a>\n      '
    )


def _periods(periods) -> str:
    if not periods:
        return "None recorded"
    return "; ".join(
        [
            f"{escape(period.stage.label)}: {escape(period.days)} day"
            f"{escape(pluralize(period.days))}"
            for period in periods
        ]
    )


def _care(care) -> str:
    if not care:
        return "Nothing recorded"
    return "<br>".join(
        [
            f"{escape(fact['label'])}: {', '.join([escape(item) for item in fact['items']])}"
            for fact in care
        ]
    )


def _previous(previous, text: FilterText) -> str:
    if not previous:
        return ""
    discharged = previous.episode.discharged_on
    stalled = previous.stalled
    unmet = previous.unmet_at_discharge
    on = escape(f", discharged {text.date(discharged, 'j M Y')}") if discharged else ""
    stalled = (
        f'<dt class="col-5">Stalled in</dt><dd class="col-7">{escape(stalled.stage.label)}'
        f" ({escape(stalled.days)} days, the longest)</dd>"
        if stalled
        else ""
    )
    unmet = (
        '<dt class="col-5">Unmet at discharge</dt><dd class="col-7">'
        f"{escape('; '.join(row['label'] for row in unmet))}</dd>"
        if unmet
        else ""
    )
    return (
        '\n      <div class="rehab-previous border-top mt-3 pt-2">\n'
        f'        <h4 class="h6">Last time: episode {escape(previous.episode.number)}{on}</h4>\n'
        '        <dl class="row small mb-0">\n'
        '          <dt class="col-5">Diagnosis</dt>'
        f'<dd class="col-7">{escape(previous.diagnosis)}</dd>\n'
        '          <dt class="col-5">Stages</dt>'
        f'<dd class="col-7">{_periods(previous.periods)}</dd>\n'
        f"          {stalled}\n"
        '          <dt class="col-5">What was done</dt>'
        f'<dd class="col-7">{_care(previous.care)}</dd>\n'
        f"          {unmet}\n"
        "        </dl>\n"
        "      </div>\n      "
    )


@register.simple_tag
def rehab_episodes(rows, text=None, url=None) -> str:
    """Each open episode's rehab (`{"status": RehabStatus, "previous": PreviousEpisode |
    None}` rows, as the panel lists them), or that there is no open episode. `text` and `url`:
    the page's `FilterText` and `uuid_urls()` (made here without them). Drawn with f-strings,
    each value escaped where `html` escaped it (a test holds it to the template loop)."""
    if not rows:
        return _NO_EPISODE
    text = FilterText() if text is None else text
    url = uuid_urls() if url is None else url
    return SafeString(  # nosec B703 B308 (every value escaped)
        "".join(
            [
                '\n    <div class="mb-3 rehab-episode">\n'
                f'      <h3 class="h6 mb-1">Episode {escape(row["status"].episode.number)}</h3>\n'
                f"      {_stage(row['status'], text, url)}\n"
                f"      {_previous(row['previous'], text)}\n"
                "    </div>\n    "
                for row in rows
            ]
        )
    )


# The whole panel as rehab/panels/patient_rehab.html drew it (a test holds them together):
# `draw_panel`'s f-string, with the discharge summaries (few pages have one) filled here.
_SUMMARIES = (
    '\n    <h3 class="h6 mt-2">Discharge summaries</h3>\n'
    '    <ul class="list-unstyled mb-0">\n'
    "      {}\n"
    "    </ul>\n    "
)
_SUMMARY = '\n      <li>Episode {}: <a href="{}">summary</a>{}</li>\n      '
_GP_LETTER = ' &middot; <a href="{}">GP letter</a>'


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
    return SafeString(  # nosec B703 B308 (_PANEL's markup; both values drawn safe)
        '<section class="card mb-3" aria-labelledby="rehab-heading">\n'
        '  <div class="card-body">\n'
        '    <h2 class="h5" id="rehab-heading">Rehab stage</h2>\n'
        f"    {rehab_episodes(values['rows'], text, url)}\n"
        f"    {listed}\n"
        "  </div>\n"
        "</section>\n"
    )
