"""A session note's heading and "Since last time" card, and a signed note's re-test table,
treatment list and plan, each drawn in one step.

As template loops they were a handful of template steps per value (each 10 to 15 microseconds)
on the most opened kind of note. Each tag draws exactly what its loop drew
(`tests/treatment/test_session_rows.py` keeps the loops and compares), every value escaped as
`{{ }}` escapes it."""

from __future__ import annotations

import datetime as dt
import html

from django import template
from django.conf import settings
from django.template.defaultfilters import linebreaksbr, pluralize
from django.template.defaulttags import CsrfTokenNode
from django.template.loader import get_template
from django.utils.encoding import force_str
from django.utils.formats import get_format, localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from assessments.templatetags.blank_forms import blank_field
from clinic import links
from clinic.filters import FilterText, date_to_minute, held_text, hold_text
from clinic.markup import escape
from treatment.models import TreatmentGiven, TreatmentSession

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


def _labels(model, name: str) -> dict:
    """A coded field's labels by value, as `get_<name>_display` reads them (the choices are
    the code's, fixed for the process): that method builds this dict on every call."""
    return dict(model._meta.get_field(name).flatchoices)


def _display(labels: dict, value) -> str:
    """`instance.get_<field>_display()` from `_labels`."""
    return force_str(labels.get(value, value), strings_only=True)


_KIND, _TECHNIQUE, _LEVEL, _POSITION = (
    _labels(TreatmentGiven, name) for name in ("kind", "technique", "level", "body_position")
)
_STATUS = _labels(TreatmentSession, "status")
_OUTCOME = _labels(TreatmentSession, "retest_after_lumbar_treatment")


def _treatment(item) -> str:
    parts = [escape(_display(_KIND, item.kind))]
    if item.technique:
        parts.append(f": {escape(_display(_TECHNIQUE, item.technique).lower())}")
    if item.level:
        parts.append(f" at {escape(_display(_LEVEL, item.level))}")
    if item.grade:
        parts.append(f", grade {escape(item.grade_roman)}")
    if item.body_position:
        parts.append(f", {escape(_display(_POSITION, item.body_position).lower())}")
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


_NO_VISIT = " (no earlier visit: since the start of the episode)"
_NO_LOGS = "No exercise sessions logged in the portal in this time."


def _shown(value) -> str:
    """A value as `{{ value }}` shows it (localized, escaped)."""
    if type(value) is int and not settings.USE_THOUSAND_SEPARATOR:
        return str(value)  # what localize() makes of an int without grouping, less its lookups
    if type(value) is str:  # plain text (not marked safe): Django's escape, without its wrapper
        return html.escape(value)
    return conditional_escape(localize(value))


def _average(value, text: FilterText) -> str:
    """`_shown(value)` for the card's pain averages (floats, or None): `localize` draws a float
    without thousands grouping and not written with an exponent as `str` does, with the
    language's decimal separator; this skips its three format lookups."""
    if type(value) is float and not settings.USE_THOUSAND_SEPARATOR:
        shown = repr(value)
        if "e" not in shown:  # 1e-05: Django writes it out in full
            return escape(shown.replace(".", get_format("DECIMAL_SEPARATOR", text.language)))
    return _shown(value)


def _plural(count) -> str:
    return "" if count == 1 else "s"


@register.simple_tag
def since_summary(since: dict | None, signed: bool, text: FilterText | None = None) -> SafeString:
    """The note's "Since last time" card: the portal logs between the last visit and this
    one, their pain, next-morning answers, lasting pins and needles, urgent symptoms and the
    patient's comments (what `treatment/includes/since.html` drew). `text`: the page's
    `FilterText`, else one made here."""
    since = since or {}
    text = text or FilterText()
    parts = [
        '<section class="card mb-3" aria-labelledby="since-heading">\n  <div class="card-body">\n'
        '    <h2 class="h5" id="since-heading">Since last time</h2>\n'
        f'    <p class="small text-body-secondary mb-2">Portal logs from '
        f"{escape(text.date(since.get('from'), 'j M Y'))} to "
        f"{escape(text.date(since.get('to'), 'j M Y'))}"
        f"{'' if since.get('previous_visit') else _NO_VISIT}"
        f"{'' if signed else '; frozen into the note when it is signed'}.</p>\n    "
    ]
    logs = since.get("logs")
    if logs:
        done = since.get("exercises_done_percent")
        parts.append(
            '\n    <ul class="mb-2 since-summary">\n'
            f"      <li>{_shown(logs)} exercise session{_plural(logs)} logged"
            f"{'' if done is None else f', {_shown(done)}% of the exercises done'}.</li>\n"
            "      <li>Pain during: average "
            f"{_average(since.get('pain_during_average'), text)}/10, "
            f"worst {_shown(since.get('pain_during_worst'))}/10. "
            f"Pain after: average {_average(since.get('pain_after_average'), text)}/10, "
            f"worst {_shown(since.get('pain_after_worst'))}/10.</li>\n      "
        )
        answers = since.get("next_morning_answers")
        if answers:
            parts.append(
                f"<li>Worse the next morning: {_shown(since.get('worse_next_morning'))} of "
                f"{_shown(answers)} answer{_plural(answers)}.</li>"
            )
        parts.append("\n      ")
        pins = since.get("lasting_pins_and_needles")
        if pins:
            parts.append(
                '<li class="text-danger">Pins and needles or numbness that lasted after the '
                f"exercises: {_shown(pins)} time{_plural(pins)}.</li>"
            )
        parts.append("\n      ")
        parts.extend(
            '<li class="text-danger fw-semibold">Urgent symptom ticked on '
            f"{escape(text.date(item['date'], 'j M'))}: {_shown(item['text'])}</li>"
            for item in since.get("urgent_symptoms") or ()
        )
        parts.append("\n    </ul>\n    ")
        comments = since.get("comments")
        if comments:
            listed = "".join(
                f'<li><span class="text-body-secondary">{escape(text.date(item["date"], "j M"))}'
                f":</span> {_shown(item['text'])}</li>"
                for item in comments
            )
            parts.append(
                '\n    <h3 class="h6">Their comments</h3>\n'
                f'    <ul class="mb-0">{listed}</ul>\n    '
            )
        parts.append("\n    ")
    else:
        parts.append(f'\n    <p class="mb-0">{_NO_LOGS}</p>\n    ')
    parts.append("\n  </div>\n</section>\n")
    return mark_safe("".join(parts))  # noqa: S308  # nosec B308 B703 (every value escaped)


def _visit_time(text: FilterText, start) -> str:
    """`date_to_minute(text, start, "l j F Y", ", ")` with the day drawn as "l j F" and the
    year after it (the format's "Y": four digits): "l j F" is one of the formats
    `clinic.filters` draws without Django's date formatter, which a day not drawn before in
    the process (nearly every note's visit) otherwise costs."""
    if not isinstance(start, dt.datetime) or start.tzinfo is None:
        return date_to_minute(text, start, "l j F Y", ", ")
    local = start.astimezone(text.zone)
    day = local.date()
    minute = text.time(dt.time(local.hour, local.minute), "H:i")
    return f"{text.date(day, 'l j F')} {day.year:04d}, {minute}"


@register.simple_tag
def session_heading(session, appointment) -> SafeString:
    """The note's heading and the line under it: status, the appointment's type and time,
    version, therapist, and who signed it when."""
    text = held_text(session)
    tone = "text-bg-primary" if session.is_signed else "text-bg-warning"
    signed = (
        f" &middot; signed {escape(date_to_minute(text, session.signed_at, 'j M Y'))}"
        f" by {_shown(session.signed_by)}"
        if session.signed_at
        else ""
    )
    return mark_safe(  # noqa: S308  # nosec B308 B703 (every value escaped)
        f'<h1 class="h3 mb-1">Session note <span class="badge {tone}" data-session-status>'
        f"{_shown(_display(_STATUS, session.status))}</span></h1>\n"
        f'<p class="text-body-secondary mb-1">{_shown(appointment.appointment_type.name)}, '
        f"{escape(_visit_time(text, appointment.start))} &middot; version "
        f"{_shown(session.version)} &middot; {_shown(session.therapist)}{signed}</p>"
    )


@register.simple_tag
def signed_plan(session, episode) -> SafeString:
    """A signed note's plan: the change to the home plan (or that there is none), the link to
    the exercise plan, and when to review."""
    weeks = session.review_interval_weeks
    review = []
    if session.review_on:
        review.append(escape(held_text(session).date(session.review_on, "j M Y")))
    if weeks:
        comma = ", " if session.review_on else ""
        review.append(f"{comma}in {_shown(weeks)} week{pluralize(weeks)}")
    if not session.review_on and not weeks:
        review.append("not set")
    plan = linebreaksbr(session.plan_changes or "No change to the home plan.", autoescape=True)
    link = escape(links.held_urls(session)("exercises:episode_plans", episode.public_id))
    return mark_safe(  # noqa: S308  # nosec B308 B703 (every value escaped)
        f'<p class="mb-1">{plan}</p>\n'
        f'    <p class="small mb-1"><a href="{link}">Open the exercise plan</a></p>\n'
        f'    <p class="mb-0">Review: {"".join(review)}</p>'
    )


_RERUN_TEMPLATE = "treatment/includes/rerun.html"
#: What `{% include _RERUN_TEMPLATE with rerun=... %}` draws without a re-run.
_NO_RERUN = "\n"


@register.simple_tag(takes_context=True)
def note_top(context) -> SafeString:
    """The note's top, above the form (a draft) or the record (a signed version): the
    "amended" banner, the breadcrumb, the heading, the "Amends" line and the "Since last
    time" card, as the template drew them from the page's context."""
    session, patient = context["session"], context["patient"]
    # One `FilterText` for the page's tags (the heading, the card, a signed note's plan),
    # hung on this view's own session (read afresh per view).
    text = hold_text(session)
    # Likewise the links' script prefix, read once for the page's four or five links.
    url = links.hold_urls(session)
    parts = []
    superseded_by = context.get("superseded_by")
    if superseded_by:
        link = escape(url("treatment:session", superseded_by.public_id))
        parts.append(
            '\n  <div class="alert alert-secondary">This is version '
            f"{_shown(session.version)}, kept on record. It has been amended: "
            f'<a href="{link}">see version {_shown(superseded_by.version)}</a> '
            f"({escape(str(superseded_by.get_status_display()).lower())}).</div>\n"
        )
    patient_link = escape(url("patients:detail", patient.public_id))
    parts.append(
        '\n<nav aria-label="Breadcrumb"><ol class="breadcrumb">\n'
        f'  <li class="breadcrumb-item"><a href="{patient_link}">{_shown(patient.full_name)}'
        "</a></li>\n"
        '  <li class="breadcrumb-item active" aria-current="page">Episode '
        f"{_shown(context['episode'].number)}: session note</li>\n</ol></nav>\n"
        f"{session_heading(session, context['appointment'])}\n"
    )
    supersedes = session.supersedes
    if supersedes:
        link = escape(url("treatment:session", supersedes.public_id))
        parts.append(
            f'<p class="small">Amends <a href="{link}">version {_shown(supersedes.version)}'
            f"</a>: {_shown(session.amendment_reason)}</p>"
        )
    parts.append(f"\n\n{since_summary(context['since'], session.is_signed, text)}")
    return mark_safe("".join(parts))  # noqa: S308  # nosec B308 B703 (every value escaped)


_SIGNED_RETESTS = (
    '\n<section class="card mb-3" aria-labelledby="retests-heading">\n  <div class="card-body">\n'
    '    <h2 class="h5" id="retests-heading">Re-tests before and after treatment</h2>\n'
    '    <div class="table-responsive"><table class="table table-sm mb-0">\n'
    '      <thead><tr><th scope="col">Test</th><th scope="col">Before</th>'
    '<th scope="col">After</th><th scope="col">Change</th></tr></thead>\n'
    "      <tbody>{}</tbody>\n    </table></div>\n  </div>\n</section>\n"
    '<section class="card mb-3" aria-labelledby="treatments-heading">\n  <div class="card-body">\n'
    '    <h2 class="h5" id="treatments-heading">Treatment given</h2>\n'
    '    <ul class="mb-0">{}</ul>\n  </div>\n</section>\n'
    '<section class="card mb-3" aria-labelledby="retest-heading">\n  <div class="card-body">\n'
    '    <h2 class="h5" id="retest-heading">Test&ndash;treat&ndash;retest</h2>\n'
    "    <p>Slump/SLR after the lumbar technique: <strong>{}</strong></p>\n    {}\n"
    "  </div>\n</section>\n"
    '<section class="card mb-3" aria-labelledby="plan-heading">\n  <div class="card-body">\n'
    '    <h2 class="h5" id="plan-heading">Plan</h2>\n    {}\n  </div>\n</section>\n'
)
_AMEND = (
    '\n<section class="card mb-3" aria-labelledby="amend-heading">\n  <div class="card-body">\n'
    '    <h2 class="h5" id="amend-heading">Amend</h2>\n'
    '    <p class="small text-body-secondary">A signed note does not change. An amendment is a '
    "new version; this one stays on record.</p>\n"
    '    <form method="post" action="{}">\n      {}\n      {}\n'
    '      <button type="submit" class="btn btn-outline-primary">Start an amendment</button>\n'
    "    </form>\n  </div>\n</section>\n"
)


def _rerun(context, rerun) -> str:
    """`{% include _RERUN_TEMPLATE with rerun=rerun %}`: a signed note's stored re-run is
    rare; without one the include drew its closing newline."""
    if not rerun:
        return _NO_RERUN
    with context.push(rerun=rerun):
        return get_template(_RERUN_TEMPLATE).template.render(context)


@register.simple_tag(takes_context=True)
def signed_note(context) -> SafeString:
    """A signed version's record: the patient's words, the re-test table, the treatments,
    the test-treat-retest outcome and re-run, the plan and (unless amended) the amendment
    box, as the template drew them from the page's context."""
    session = context["session"]
    parts = ["\n"]
    if session.patient_words:
        words = linebreaksbr(session.patient_words, autoescape=True)
        parts.append(f"<p><strong>In the patient's words:</strong> {words}</p>")
    outcome = _display(_OUTCOME, session.retest_after_lumbar_treatment) or "Not recorded"
    parts.append(
        _SIGNED_RETESTS.format(
            change_rows(context["changes"]),
            treatment_items(context["treatments"]),
            _shown(outcome),
            _rerun(context, context["retest"]["rerun"]),
            signed_plan(session, context["episode"]),
        )
    )
    if not context.get("superseded_by"):
        parts.append(
            _AMEND.format(
                escape(links.held_urls(session)("treatment:amend", session.public_id)),
                CsrfTokenNode().render(context),
                blank_field(context["amend_form"], "reason"),
            )
        )
    parts.append("\n")
    return mark_safe("".join(parts))  # noqa: S308  # nosec B308 B703 (every value escaped)
