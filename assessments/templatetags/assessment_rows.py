"""The assessment page's repeated rows, each list drawn in one step: the findings by section,
the suggestion's points table and reasons, the follow-up's re-screen and comparison tables.

As template loops these were several template steps a line (each 10 to 15 microseconds).
Each tag draws exactly what its loop drew, and every value is shown as `{{ }}` shows it:
localized, then escaped unless already safe."""

from __future__ import annotations

import html
import math
from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.conf import settings
from django.template.defaultfilters import floatformat
from django.template.defaulttags import CsrfTokenNode
from django.template.loader import get_template
from django.utils.encoding import force_str
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from assessments.diagnosis.schema import Group
from assessments.explain import GROUP_FIELDS, GROUP_TITLES
from assessments.models import Assessment, AssessmentDecision
from assessments.rescreen import finding_text
from assessments.templatetags.blank_forms import blank_form
from assessments.templatetags.rows_html import items_html, rows_html
from clinic import links
from clinic.filters import FilterText, date_to_minute

register = template.Library()

_DASH = "&mdash;"
_FINDING = '<dt class="col-6">{}</dt><dd class="col-6">{}</dd>'
_DANGER = ' class="table-danger"'
_NEXT_TEST = "<li>{} (could move the margin by {} to +{})</li>"


def _text(value) -> str:
    """A value as `{{ value }}` draws it."""
    if type(value) is str:  # plain text (not marked safe): Django's escape, without its wrapper
        return html.escape(value)
    if type(value) is int and not settings.USE_THOUSAND_SEPARATOR:
        return str(value)  # what localize() makes of an int without grouping, less its lookups
    if not isinstance(value, str):
        value = str(localize(value))
    return conditional_escape(value)


def _labels(model, name: str) -> dict:
    """A coded field's labels by value, as `get_<name>_display` reads them (the choices are
    the code's, fixed for the process): that method builds this dict on every call."""
    return dict(model._meta.get_field(name).flatchoices)


def _display(labels: dict, value) -> str:
    """`instance.get_<field>_display()` from `_labels`."""
    return force_str(labels.get(value, value), strings_only=True)


_KIND = _labels(Assessment, "kind")
_STATUS = _labels(Assessment, "status")
_FINAL_DX = _labels(AssessmentDecision, "clinician_final_dx")


@register.simple_tag
def assessment_title(assessment, patient) -> SafeString:
    """The page's title block: `{{ assessment.get_kind_display }} assessment &middot;
    {{ patient.full_name }}`."""
    return _safe(
        (_text(_display(_KIND, assessment.kind)), " assessment &middot; ", _text(patient.full_name))
    )


@register.simple_tag
def assessment_heading(assessment) -> SafeString:
    """The page's heading: kind and status, then version, dates and therapist."""
    tone = "text-bg-primary" if assessment.is_final else "text-bg-warning"
    finalised = assessment.finalised_at
    text = FilterText()  # the filters' text, kept per process for each day and minute
    when = f" &middot; finalised {date_to_minute(text, finalised, 'j M Y')}" if finalised else ""
    return _safe(
        (
            f'<h1 class="h3 mb-1">{_text(_display(_KIND, assessment.kind))} assessment '
            f'<span class="badge {tone}">{_text(_display(_STATUS, assessment.status))}'
            "</span></h1>\n"
            f'    <p class="text-body-secondary mb-0">Version {_text(assessment.version)} &middot; '
            f"{text.date(assessment.assessed_on, 'j M Y')} &middot; {_text(assessment.therapist)}"
            f"{when}</p>",
        )
    )


def _safe(parts) -> SafeString:
    return mark_safe("".join(parts))  # noqa: S308  # nosec B308 B703 (values escaped by _text)


SUGGESTION_TEMPLATE = "assessments/includes/suggestion.html"
_SUGGESTION = (
    '\n<section class="card mb-3" aria-labelledby="suggestion-heading">\n'
    '  <div class="card-body">\n'
    '    <h2 class="h5" id="suggestion-heading">Suggestion (for you to confirm or override)</h2>\n'
    '    <p class="lead mb-1 suggestion-summary">{}</p>\n'
    '    <p class="small text-body-secondary suggestion-version">Confidence: {} &middot; rules'
    " version {}</p>\n    \n\n"
    '    <div class="table-responsive">\n'
    '      <table class="table table-sm align-middle">\n'
    '        <caption class="small">Points per pattern. Relative support is {}.</caption>\n'
    '        <thead><tr><th scope="col">Pattern</th><th scope="col">Points</th>'
    '<th scope="col">Relative support (not a probability)</th></tr></thead>\n'
    "        <tbody>\n          {}\n        </tbody>\n      </table>\n    </div>\n\n"
    '    <h3 class="h6">Reasons</h3>\n    {}\n    {}\n  </div>\n</section>\n\n'
)


@register.simple_tag(takes_context=True)
def suggestion_card(context, explanation, current) -> SafeString:
    """The suggestion's card, as `{% include SUGGESTION_TEMPLATE %}` draws it (an include
    and a score of template steps cost more than the card's data). A decision recorded under
    earlier rules (`current`, the current rules' suggestion beside it: rare) is left to the
    template."""
    if current:
        with context.push():
            return get_template(SUGGESTION_TEMPLATE).template.render(context)
    if explanation.card is None:  # drawn once per explanation (`Explanation.card`)
        result = explanation.result
        explanation.card = _SUGGESTION.format(
            _text(result.summary),
            _text(result.confidence),
            _text(result.rules_version),
            _text(explanation.support_caption),
            hypotheses_table(explanation),
            hypotheses_reasons(explanation),
            suggestion_details(explanation),
        )
    return _safe((explanation.card,))


DECISION_TEMPLATE = "assessments/includes/decision.html"
_DECISION_HEAD = (
    '\n<section class="card mb-3" aria-labelledby="decision-heading">\n'
    '  <div class="card-body">\n'
    '    <h2 class="h5" id="decision-heading">Clinician\'s diagnosis</h2>\n    '
)
_NOT_CONFIRMED = (
    '\n      <p class="text-body-secondary">Not confirmed yet. Nothing is shown to the patient '
    "until a diagnosis is confirmed.</p>\n    "
)
_RED_FLAG_CHOICE = (
    '<p class="small text-danger fw-semibold">The suggestion is a red-flag referral. Choosing '
    "anything else needs a reason and your explicit confirmation.</p>"
)


@register.simple_tag(takes_context=True)
def decision_card(context) -> SafeString:
    """The clinician's decision card, as `{% include DECISION_TEMPLATE %}` draws it (from the
    page's context); with earlier decisions (rare: their list) it renders the template."""
    if context.get("earlier_decisions"):
        with context.push():
            return get_template(DECISION_TEMPLATE).template.render(context)
    decision = context.get("decision")
    parts = [_DECISION_HEAD]
    if decision:
        parts.append(f"\n      {decision_line(decision)}\n      ")
        if decision.override_reason:
            parts.append(f'<p class="small mb-2">Reason: {_text(decision.override_reason)}</p>')
        parts.append("\n      ")
        flags = context.get("decision_flags")
        if flags:
            parts.append(
                '\n        <div class="small mb-2 decision-flags"><p class="fw-semibold mb-1">'
                f"Red flag at the time: {_text(flags['title'])}</p>\n"
                f'          <ul class="mb-0">{flag_items(flags["lines"])}</ul>\n'
                "        </div>\n      "
            )
        parts.append("\n    ")
    else:
        parts.append(_NOT_CONFIRMED)
    parts.append("\n    \n    ")
    assessment, explanation = context.get("assessment"), context.get("explanation")
    decision_form = context.get("decision_form")
    if not assessment.is_final:
        parts.append(
            '\n      <p class="mb-0">Finalise the assessment to confirm a diagnosis.</p>\n    '
        )
    elif context.get("superseded_by"):
        parts.append('\n      <p class="mb-0">Decide on the latest version.</p>\n    ')
    elif decision_form:
        parts.append("\n      ")
        if explanation.result.provisional and not explanation.is_red_flag:
            parts.append(
                '\n        <p class="mb-0">Complete the red-flag screen (amend this assessment) '
                "before confirming a diagnosis.</p>\n      "
            )
        else:
            action = _text(links.uuid_url("assessments:decide", assessment.public_id))
            parts.append(
                f'\n        <form method="post" action="{action}" novalidate>\n'
                f"          {CsrfTokenNode().render(context)}\n"
                f"          {_RED_FLAG_CHOICE if explanation.is_red_flag else ''}\n"
                f"          {blank_form(decision_form, helper=True)}\n"
                '          <button type="submit" class="btn btn-primary">'
                f"{'Record a new decision' if decision else 'Confirm diagnosis'}</button>\n"
                "        </form>\n      "
            )
        parts.append("\n    ")
    parts.append("\n  </div>\n</section>\n")
    return _safe(parts)


@register.simple_tag
def suggestion_details(explanation) -> SafeString:
    """The suggestion's findings noted but not scored, notes, next tests, key tests not done
    and the red-flag screen."""
    result = explanation.result
    parts = []
    if explanation.unscored:
        unscored = items_html(explanation.unscored, "<li>{}</li>")
        parts.append(
            f'<p class="small mb-1">Noted, not scored:</p><ul class="small">{unscored}</ul>'
        )
    parts.append("\n\n    ")
    if result.notes:
        notes = items_html(result.notes, "<li>{}</li>")
        parts.append(
            f'\n      <h3 class="h6">Notes</h3>\n      <ul class="small">{notes}</ul>\n    '
        )
    parts.append("\n    ")
    if explanation.next_tests:
        tests = rows_html(explanation.next_tests, _NEXT_TEST)
        parts.append(
            '\n      <h3 class="h6">Tests that would most change this result</h3>\n'
            f'      <ul class="small">{tests}</ul>\n    '
        )
    parts.append("\n    ")
    if explanation.not_done:
        not_done = ", ".join(_text(label) for label in explanation.not_done)
        parts.append(
            '\n      <h3 class="h6">Key tests not done</h3>\n'
            f'      <p class="small">{not_done}</p>\n    '
        )
    if result.provisional:
        screen = "Not completed."
    elif explanation.red_flag_items:
        screen = f"Completed: {', '.join(_text(item) for item in explanation.red_flag_items)}."
    else:
        screen = "Completed, none present."
    parts.append(
        f'\n    <h3 class="h6">Red-flag screen</h3>\n    <p class="small mb-0">{screen}</p>'
    )
    return _safe(parts)


@register.simple_tag
def flag_items(lines, strong: bool = False) -> SafeString:
    """Red-flag reasons as list items, each with what to do (in bold in the page's banner)."""
    parts = []
    for line in lines:
        action = line.action
        if action:
            said = _text(action[0].upper() + action[1:]) + ("" if action[-1] == "." else ".")
            said = f" <strong>{said}</strong>" if strong else f" {said}"
        else:
            said = ""
        parts.append(f"<li>{_text(line.text)}.{said}</li>")
    return _safe(parts)


@register.simple_tag
def decision_line(decision) -> SafeString:
    """The recorded decision: the diagnosis, confirmed or overridden, by whom, when, under
    which rules."""
    other = f": {_text(decision.other_dx_text)}" if decision.clinician_final_dx == "other" else ""
    how = "overrode the suggestion" if decision.is_override else "confirmed the suggestion"
    when = date_to_minute(FilterText(), decision.confirmed_at, "j M Y")
    return _safe(
        (
            f'<p class="mb-1 decision-current"><strong>'
            f"{_text(_display(_FINAL_DX, decision.clinician_final_dx))}</strong>{other}\n"
            f"        &middot; {how}\n"
            f"        by {_text(decision.confirmed_by)} on {when} "
            f"(rules {_text(decision.model_version)}).</p>",
        )
    )


#: Each drawn line by (pattern, first value, second value), kept per process: a finding's
#: label is the schema's and its text a choice's (or a number), a reason's text is a rule's
#: and its points a small number, so the same few hundred lines recur on every assessment,
#: and escaping some eighty of them afresh was a tenth of the page's own work.
_LINES: dict[tuple, str] = {}
_LINES_KEPT = 8192
_FOR = "<li>{} (+{})</li>"
_AGAINST = "<li>{} ({})</li>"


def _kept_lines(rows, pattern: str, second: type = str) -> str:
    """`rows_html(rows, pattern)` for rows of two values, each line kept when its first value
    is plain text and its second exactly of the type `second` (text for a finding, a whole
    number for a reason). A value marked safe is drawn as it is, yet equals (and hashes as)
    the same characters as text, so it is never looked up; nor is True taken for 1."""
    lines = []
    for row in rows:
        first, value = row
        if type(first) is not str or type(value) is not second:
            lines.append(rows_html((row,), pattern))
            continue
        key = (pattern, first, value)
        line = _LINES.get(key)
        if line is None:
            line = rows_html((row,), pattern)
            if len(_LINES) < _LINES_KEPT:
                _LINES[key] = line
        lines.append(line)
    return "".join(lines)


#: A finding's drawn line by (name, kind of value, value), kept per process: its label is the
#: schema's and its text a choice's, a yes/no or a whole number, so the same few hundred lines
#: recur on every assessment. Text, whole numbers and yes/no only (the kind in the key keeps
#: True apart from 1); a list or a decimal is drawn each time.
_FINDING_LINES: dict[tuple, str] = {}
_FINDING_LINES_KEPT = 8192
_KEPT_KINDS = (str, int, bool)


def _finding_line(spec, value) -> str:
    """A recorded finding's `<dt>`/`<dd>` pair, drawn afresh: its label and its text as the
    clinician reads it (`finding_text`), each escaped."""
    return rows_html(((spec.label, finding_text(spec, value)),), _FINDING)


def _kept_finding_line(spec, value) -> str:
    kind = type(value)
    if kind not in _KEPT_KINDS:
        return _finding_line(spec, value)
    key = (spec.name, kind, value)
    line = _FINDING_LINES.get(key)
    if line is None:
        line = _finding_line(spec, value)
        if len(_FINDING_LINES) < _FINDING_LINES_KEPT:
            _FINDING_LINES[key] = line
    return line


@register.simple_tag
def assessment_findings(assessment) -> SafeString:
    """The findings card: each intake section's title, its recorded findings and how many
    are blank; a follow-up's outcome section is left out when nothing in it was recorded.

    One walk over the findings, each drawn line kept by its value: the view used to list each
    section's (label, text) pairs, each text kept per process, and this tag then looked each
    pair's line up again in a second cache."""
    is_intake = assessment.kind == Assessment.Kind.INTAKE
    parts = []
    for group, title in GROUP_TITLES.items():
        lines, missing = [], 0
        for spec in GROUP_FIELDS[group]:
            value = getattr(assessment, spec.name)
            if value is None:
                missing += 1
            else:
                lines.append(_kept_finding_line(spec, value))
        if not lines and group is Group.OUTCOMES and not is_intake:
            continue
        parts.append(f'\n        <h3 class="h6 mt-3">{_text(title)}</h3>\n        ')
        if lines:
            parts.append(
                '\n          <dl class="row small mb-1 findings-list">\n            '
                f"{''.join(lines)}\n          </dl>\n        "
            )
        parts.append("\n        ")
        if missing:
            parts.append(
                f'<p class="small text-body-secondary mb-0">{_text(missing)} '
                f"item{'' if missing == 1 else 's'} not recorded.</p>"
            )
        parts.append("\n      ")
    return _safe(parts)


@register.simple_tag
def hypotheses_table(explanation) -> SafeString:
    """The suggestion's table body: each pattern's points and relative support."""
    text = FilterText()
    return _safe(
        f'\n            <tr><th scope="row">{_text(h.name)}</th><td>{_text(h.score)}</td>'
        f"<td>{_support(text, h.support)}</td></tr>\n          "
        for h in explanation.hypotheses
    )


_HUNDREDTH = Decimal("0.01")


def _support(text: FilterText, support) -> str:
    """`{{ support|floatformat:2 }}`. A float is first rounded as the filter rounds it (its
    text as a decimal, half up, to two places), so the filter's text is kept per process
    for the hundred values a share can take (`FilterText.number`), not worked out afresh
    for each float."""
    if type(support) is float and math.isfinite(support) and abs(support) < 1e15:
        return text.number(Decimal(repr(support)).quantize(_HUNDREDTH, ROUND_HALF_UP), "2")
    return floatformat(support, 2)


@register.simple_tag
def hypotheses_reasons(explanation) -> SafeString:
    """Each pattern's findings for and against it."""
    parts = []
    for h in explanation.hypotheses:
        parts.append(
            f'\n      <div class="mb-2 reasons-{_text(h.key)}">\n'
            f'        <p class="fw-semibold mb-1">{_text(h.name)}</p>\n        '
        )
        if h.supporting:
            parts.append(
                '<p class="small mb-0">For:</p><ul class="small mb-1">'
                f"{_kept_lines(h.supporting, _FOR, int)}</ul>"
            )
        parts.append("\n        ")
        if h.against:
            parts.append(
                '<p class="small mb-0">Against:</p><ul class="small mb-1">'
                f"{_kept_lines(h.against, _AGAINST, int)}</ul>"
            )
        parts.append("\n        ")
        if not h.supporting and not h.against:
            parts.append(
                '<p class="small text-body-secondary mb-1">'
                "No recorded finding bears on this pattern.</p>"
            )
        parts.append("\n      </div>\n    ")
    return _safe(parts)


@register.simple_tag
def rescreen_table(rows) -> SafeString:
    """The follow-up's red-flag and nerve questions beside the last visit's answers."""
    parts = []
    for row in rows:
        change = _text(row.change)
        parts.append(
            f"\n          <tr{_DANGER if row.worse else ''}>"
            f'<th scope="row">{_text(row.label)}</th>\n'
            f"            <td>{_text(row.last)}</td><td>{_text(row.now)}</td>\n"
            f"            <td>{f'<strong>{change}</strong>' if row.worse else change}</td></tr>\n"
            "        "
        )
    return _safe(parts)


def _ascii(text: str) -> str:
    """`text` with each character past ASCII written as a numeric character reference (the
    same text in the browser). The measures' labels and readings carry a degree sign: one such
    character made the whole page a string of wider characters in Python, and its encoding a
    loop over every character rather than a copy."""
    return text if text.isascii() else text.encode("ascii", "xmlcharrefreplace").decode("ascii")


@register.simple_tag
def comparison_table(rows: list[dict]) -> SafeString:
    """The follow-up's repeated measures beside the intake's, in ASCII (`_ascii`)."""
    parts = []
    for row in rows:
        baseline = _DASH if row["baseline"] is None else _text(row["baseline"])
        now = _DASH if row["now"] is None else _text(row["now"])
        change = row["change"]
        shown = _DASH if change is None else f"{'+' if change > 0 else ''}{_text(change)}"
        helped = (
            f'<div class="small fw-normal text-body-secondary">{_text(row["help"])}</div>'
            if row["help"]
            else ""
        )
        parts.append(
            f'\n            <tr><th scope="row">{_text(row["label"])}{helped}</th>\n'
            f"              <td>{baseline}</td><td>{now}</td>\n"
            f"              <td>{shown}</td>\n"
            f"              <td>{_text(row['reading']) if row['reading'] else _DASH}</td></tr>\n"
            "          "
        )
    return _safe((_ascii("".join(parts)),))


_PROVISIONAL = (
    '\n  <div class="alert alert-warning" role="alert">\n'
    "    <strong>Red-flag screen incomplete: result provisional.</strong>\n"
    "    A diagnosis other than a referral cannot be confirmed until the screen is completed.\n"
    "  </div>\n"
)


@register.simple_tag(takes_context=True)
def assessment_top(context) -> SafeString:
    """The page's top: the red-flag and provisional banners, the "amended" banner, the
    breadcrumb and the heading with its "Amends", "Started" and "Continue editing" lines, as
    the template drew them from the page's context."""
    assessment, explanation = context["assessment"], context.get("explanation")
    kind = assessment.kind
    parts = []
    if explanation and explanation.is_red_flag:
        parts.append(
            '\n  <div class="alert alert-danger redflag-banner" role="alert">\n'
            f'    <p class="h4 alert-heading">Red flag: {_text(explanation.tier_title)}</p>\n'
            '    <ul class="mb-2 redflag-actions">\n'
            f"      {flag_items(explanation.flag_lines, strong=True)}\n    </ul>\n"
            '    <p class="mb-0 fw-semibold">Do not '
            f"{'continue' if kind == 'follow_up' else 'start'} treatment until the patient "
            "has been cleared."
            f"{' The scores below are for information only.' if kind == 'intake' else ''}"
            "</p>\n  </div>\n"
        )
    parts.append("\n")
    if explanation and explanation.result.provisional:
        parts.append(_PROVISIONAL)
    parts.append("\n")
    superseded_by = context.get("superseded_by")
    if superseded_by:
        link = html.escape(links.uuid_url("assessments:detail", superseded_by.public_id))
        parts.append(
            '\n  <div class="alert alert-secondary">This is version '
            f"{_text(assessment.version)}, kept on record. It has been amended: "
            f'<a href="{link}">see version {_text(superseded_by.version)}</a> '
            f"({_text(str(_display(_STATUS, superseded_by.status)).lower())}).</div>\n"
        )
    patient = context["patient"]
    link = html.escape(links.uuid_url("patients:detail", patient.public_id))
    parts.append(
        '\n\n<nav aria-label="Breadcrumb"><ol class="breadcrumb">\n'
        f'  <li class="breadcrumb-item"><a href="{link}">{_text(patient.full_name)}</a></li>\n'
        '  <li class="breadcrumb-item active" aria-current="page">Episode '
        f"{_text(context['episode'].number)}</li>\n</ol></nav>\n"
        '<div class="d-flex flex-wrap justify-content-between align-items-start gap-2 mb-3">\n'
        f"  <div>\n    {assessment_heading(assessment)}\n    "
    )
    supersedes = assessment.supersedes
    if supersedes:
        link = html.escape(links.uuid_url("assessments:detail", supersedes.public_id))
        parts.append(
            f'<p class="small mb-0">Amends <a href="{link}">version {_text(supersedes.version)}'
            f"</a>: {_text(assessment.amendment_reason)}</p>"
        )
    parts.append("\n    ")
    if assessment.prefilled_from:
        parts.append(
            '<p class="small text-body-secondary mb-0">Started '
            f"{_text(assessment.prefilled_from)}.</p>"
        )
    parts.append("\n  </div>\n  ")
    if not assessment.is_final:
        link = html.escape(links.uuid_url("assessments:edit", assessment.public_id))
        parts.append(f'<a class="btn btn-primary" href="{link}">Continue editing</a>')
    parts.append("\n</div>")
    return _safe(parts)


_AMEND = (
    '\n      <section class="card mt-4" aria-labelledby="amend-heading">\n'
    '        <div class="card-body">\n'
    '          <h2 class="h6" id="amend-heading">Amend this assessment</h2>\n'
    '          <p class="small text-body-secondary">Starts a new version with these findings; '
    "this version stays on record.</p>\n"
    '          <form method="post" action="{}">\n            {}\n            {}\n'
    '            <button class="btn btn-outline-secondary" type="submit">Start amendment'
    "</button>\n          </form>\n        </div>\n      </section>\n    "
)


@register.simple_tag(takes_context=True)
def amend_box(context) -> SafeString:
    """The amendment box of a final version not amended yet (nothing otherwise), as the
    template drew it."""
    amend_form = context.get("amend_form")
    if not amend_form:
        return _safe(())
    action = html.escape(links.uuid_url("assessments:amend", context["assessment"].public_id))
    return _safe((_AMEND.format(action, CsrfTokenNode().render(context), blank_form(amend_form)),))
