"""A plan's weekly adherence table drawn in one template step: the patient page shows every
published plan with its weeks, and a loop of a dozen variables and filters per week was a
good part of its exercise panel's build."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from clinic.display import display
from clinic.filters import FilterText, held_text
from clinic.links import held_urls, uuid_urls
from clinic.markup import escape, html, html_join
from patients.templatetags.patient_facts import portal_access

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
# A week without pain scores: a character reference, so a page of ASCII data stays ASCII.
_NO_PAIN = SafeString("&mdash;")  # nosec B703 B308 (a constant)


def _week(week, text: FilterText) -> tuple:
    pain = _NO_PAIN if week.pain_peak is None else html("{}/10", text.number(week.pain_peak, "-1"))
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
def adherence_rows(series, text=None) -> str:
    """One table row per plan week: its number and first day, sessions logged of those
    prescribed, adherence (with "so far" while the week runs) and the worst pain's mean.
    `text`: the page's `FilterText` (made here without it)."""
    text = FilterText() if text is None else text
    return html_join("", _ROW, (_week(week, text) for week in series))


_SO_FAR = ' <span class="small text-body-secondary">so far</span>'


def _whole(value) -> str:
    """`escape(value)` for the table's counts: a whole number's digits are its own text (no
    `__html__` to look for, nothing to replace), anything else is escaped."""
    return str(value) if type(value) is int else escape(value)


def adherence_items(series, text: FilterText) -> str:
    """What `adherence_rows(series, text)` draws, with f-strings: the patient page draws every
    published plan's weeks on each view, and a pattern filled through `str.format` with a
    list of escaped values a row cost about twice the instructions (the plan page keeps
    `adherence_rows`; a test holds the two together)."""
    rows = []
    date, number = text.date, text.number
    for week in series:
        peak = week.pain_peak
        pain = _NO_PAIN if peak is None else f"{escape(number(peak, '-1'))}/10"
        rows.append(
            "\n          <tr>\n"
            f'            <th scope="row">{_whole(week.number)} <span class="small '
            f'text-body-secondary">({escape(date(week.week_start, "j M"))})</span></th>\n'
            f"            <td>{_whole(week.sessions_logged)} of "
            f"{_whole(week.sessions_prescribed)}</td>\n"
            f"            <td>{_whole(week.adherence_percent)}%"
            f"{'' if week.complete else _SO_FAR}</td>\n"
            f"            <td>{pain}</td>\n"
            "          </tr>\n        "
        )
    return SafeString("".join(rows))  # nosec B703 B308 (every value escaped)


_NOT_STARTED = mark_safe(  # nosec B308 (a constant)
    '\n\n<p class="text-body-secondary">No weeks to show yet: the plan has not started.</p>\n\n'
)


@register.simple_tag
def adherence_block(adherence, wide=False, text=None, rows=None) -> str:
    """A plan's chart and weekly table side by side (`wide`: on large screens), or that it
    has not started: what `exercises/includes/adherence.html` shows, for the patient page's
    plans drawn in one step and for the plan page's include alike (`rows`: what draws the
    table's rows, `adherence_rows` unless given; the patient page's `adherence_items`)."""
    series = adherence.series
    if not series:
        return _NOT_STARTED
    wide = " col-lg-7" if wide else "", " col-lg-5" if wide else ""
    drawn = adherence_rows(series, text) if rows is None else rows(series, text)
    return SafeString(  # nosec B703 B308 (every value escaped)
        '\n\n<div class="row g-3 adherence">\n'
        f'  <div class="col-12{wide[0]}">\n'
        f"    {escape(adherence.chart_svg)}\n"
        "  </div>\n"
        f'  <div class="col-12{wide[1]}">\n'
        '    <div class="table-responsive">\n'
        '      <table class="table table-sm">\n'
        "        <caption>Adherence and pain per plan week</caption>\n"
        '        <thead><tr><th scope="col">Week</th><th scope="col">Sessions</th>'
        '<th scope="col">Adherence</th><th scope="col">Pain (worst, mean)</th></tr></thead>\n'
        "        <tbody>\n"
        f"        {escape(drawn)}\n"
        "        </tbody>\n"
        "      </table>\n"
        "    </div>\n"
        "  </div>\n"
        "</div>\n\n"
    )


_NO_PLAN = mark_safe(  # nosec B308 (a constant)
    '\n        <p class="text-body-secondary mb-0">No published exercise plan yet.</p>\n      '
)


def _plan(adherence, text: FilterText | None, urls) -> str:
    """One plan of `plan_blocks`, drawn with f-strings, each value escaped where
    `html` escaped it."""
    plan = adherence.plan
    url = escape(urls("exercises:plan_detail", plan.public_id))
    version = plan.current_version
    hold = (
        '<p class="alert alert-danger py-2 plan-hold">'
        f"On hold: {escape(plan.hold_reason)}. "
        f'<a href="{escape(urls("exercises:plan_resume", plan.public_id))}">Resume with a reason'
        "</a></p>"
        if plan.is_held
        else ""
    )
    suggestions = "".join(
        [
            '<p class="small mb-1 progress-suggestion">'
            f"<strong>{escape(entry.suggestion.label)}</strong> {escape(entry.name)}"
            f" (step {escape(entry.step.number)} of {escape(entry.step.of)}):"
            f" {escape(entry.suggestion.reason)}"
            f' <a href="{url}#items-heading">Open the plan</a></p>'
            for entry in adherence.suggestions
        ]
    )
    return (
        f'\n        <h3 class="h6"><a href="{url}">{escape(plan.episode)}: plan version '
        f"{escape(version.number) if version is not None else ''}</a>"
        f' <span class="badge text-bg-{"success" if plan.status == "active" else "secondary"}">'
        f"{escape(display(plan, 'status'))}</span></h3>\n"
        f"        {hold}\n"
        f"        {suggestions}\n"
        f"        {adherence_block(adherence, text=text, rows=_items)}\n\n      "
    )


def _items(series, text: FilterText | None) -> str:
    return adherence_items(series, FilterText() if text is None else text)


@register.simple_tag
def plan_blocks(plans, text=None, url=None) -> str:
    """The patient page's published plans (`PlanAdherence` with their `suggestions`), each with
    its heading and state, a hold and how to resume, the progress suggestions and the adherence
    block; or that there is none yet. `text` and `url`: the page's `FilterText` and
    `uuid_urls()` (made here without them)."""
    if not plans:
        return _NO_PLAN
    url = uuid_urls() if url is None else url
    return SafeString(  # nosec B703 B308 (every value escaped)
        "".join([_plan(adherence, text, url) for adherence in plans])
    )


def draw_panel(values: dict, csrf_token) -> str:
    """The patient page's plans panel (`Panel.draw`): a link to each open episode's plans and
    to the session logs, the portal account or invitation, then the plans (`plan_blocks`): the
    whole panel as exercises/panels/patient_plans.html drew it, with f-strings (a test holds
    them together)."""
    patient = values["patient"]
    url = held_urls(patient)  # the page's: the script prefix read once a view
    episodes = "".join(
        [
            '\n          <a class="btn btn-sm btn-outline-primary" '
            f'href="{escape(url("exercises:episode_plans", episode.public_id))}">'
            f"Plans for {escape(episode)}</a>\n        "
            for episode in values["episodes"]
        ]
    )
    return SafeString(  # nosec B703 B308 (every value escaped)
        '<section class="col-12" aria-labelledby="exercise-plans-heading">\n'
        '  <div class="card">\n'
        '    <div class="card-body">\n'
        '      <h2 class="h5" id="exercise-plans-heading">Home exercises</h2>\n'
        '      <div class="d-flex flex-wrap gap-2 mb-3">\n'
        f"        {episodes}\n"
        '        <a class="btn btn-sm btn-outline-primary patient-logs-link" '
        f'href="{escape(url("exercises:patient_logs", patient.public_id))}">'
        "Session logs</a>\n"
        f"        {portal_access(patient, small=True)}\n"
        "      </div>\n"
        f"      {plan_blocks(values['plans'], held_text(patient), url)}\n"
        "    </div>\n"
        "  </div>\n"
        "</section>\n"
    )
