"""A follow-up's two cards, the re-screen against the last visit and the measures against the
intake, drawn in Python as the page's other cards are (assessment_rows.py).

They were two includes (`rescreen.html`, `comparison.html`): each include finds its template,
pushes the context and walks a score of template steps, more than the cards' own data costs.
The markup below is the two templates' text, with each value drawn as `{{ }}` drew it (`_text`
escapes; dates through the filters' own text, `FilterText`)."""

from __future__ import annotations

import html

from django import template
from django.utils.safestring import SafeString

from assessments.templatetags.assessment_rows import (
    _KIND,
    _display,
    _safe,
    _text,
    comparison_table,
    rescreen_table,
)
from clinic import links
from clinic.filters import FilterText

register = template.Library()

_RESCREEN = (
    '<section class="card mb-3 rescreen" aria-labelledby="rescreen-heading">\n'
    '  <div class="card-body">\n'
    '    <h2 class="h5" id="rescreen-heading">Red flags and nerves: compared with the last visit'
    "</h2>\n    {}\n"
    '    <div class="table-responsive">\n'
    '      <table class="table table-sm">\n'
    '        <thead><tr><th scope="col">Question or test</th><th scope="col">Last visit</th>'
    '<th scope="col">Now</th><th scope="col">Change</th></tr></thead>\n'
    "        <tbody>\n        {}\n        </tbody>\n      </table>\n    </div>\n"
    "  </div>\n</section>\n"
)
_LAST_VISIT = (
    '\n      <p class="small text-body-secondary">Last visit: <a href="{}">{} of {}</a>.</p>\n'
    '      <p class="fw-semibold rescreen-summary">{}</p>\n    '
)
_NO_LAST_VISIT = (
    '\n      <p class="rescreen-summary">There is no earlier final assessment on this episode '
    "to compare with.</p>\n    "
)
_COMPARISON = (
    '<section class="card mb-3" aria-labelledby="comparison-heading">\n'
    '  <div class="card-body">\n'
    '    <h2 class="h5" id="comparison-heading">Compared with the intake</h2>\n    {}\n'
    "  </div>\n</section>\n"
)
_BASELINE = (
    '\n      <p class="small text-body-secondary">Baseline: <a href="{}">intake of {}</a>.</p>\n'
    "      {}\n    "
)
_COMPARED = (
    '\n      <div class="table-responsive">\n'
    '        <table class="table table-sm">\n'
    '          <thead><tr><th scope="col">Measure</th><th scope="col">Intake</th>'
    '<th scope="col">Now</th><th scope="col">Change</th><th scope="col">Reading</th>'
    "</tr></thead>\n"
    "          <tbody>\n          {}\n          </tbody>\n        </table>\n      </div>\n      "
)
_NOTHING_COMPARED = '<p class="small mb-0">No measure was recorded on both occasions.</p>'
_NO_BASELINE = (
    '\n      <p class="mb-0">There is no final intake on this episode to compare with.</p>\n    '
)


@register.simple_tag(takes_context=True)
def followup_cards(context) -> SafeString:
    """Both cards of a follow-up (nothing for an intake), from the page's context: the last
    visit, its re-screen rows and summary, the baseline and the comparison rows."""
    if context["assessment"].kind != "follow_up":
        return _safe(())
    text = FilterText()  # the `date` filter's text, kept per process for each day
    last_visit = context["last_visit"]
    if last_visit:
        link = html.escape(links.uuid_url("assessments:detail", last_visit.public_id))
        seen = _LAST_VISIT.format(
            link,
            _text(_display(_KIND, last_visit.kind).lower()),
            text.date(last_visit.assessed_on, "j M Y"),
            _text(context["rescreen_summary"]),
        )
    else:
        seen = _NO_LAST_VISIT
    baseline = context["baseline"]
    if baseline:
        link = html.escape(links.uuid_url("assessments:detail", baseline.public_id))
        compared = context["comparison"]
        measures = _COMPARED.format(comparison_table(compared)) if compared else _NOTHING_COMPARED
        intake = _BASELINE.format(link, text.date(baseline.assessed_on, "j M Y"), measures)
    else:
        intake = _NO_BASELINE
    return _safe(
        (
            _RESCREEN.format(seen, rescreen_table(context["rescreen"])),
            _COMPARISON.format(intake),
        )
    )
