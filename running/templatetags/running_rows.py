"""`{% runs_to_review_rows runs csrf_token %}`: the dashboard's "Runs to look at" list items in
one step (a template loop cost about a tenth of a millisecond a run), from the rows
`running.panels.dashboard_panels` reads as values."""

from __future__ import annotations

import re
from uuid import UUID

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst

from clinic.display import display
from clinic.filters import FilterText, held_text
from clinic.links import held_urls, uuid_url, uuid_url_parts
from clinic.markup import escape, html, html_join

register = template.Library()


def _run_row(run: dict, token: str, text: FilterText, urls: tuple) -> str:
    name = escape(f"{run['patient__first_name']} {run['patient__last_name']}".strip())
    morning = run["pain_next_morning"]
    peak = max(run["pain_during"], run["pain_after"], *(() if morning is None else (morning,)))
    day = run["date"]
    peak_badge = f'<span class="badge text-bg-danger">Pain {peak}/10</span>' if peak >= 5 else ""
    worse = (
        '<span class="badge text-bg-warning">Worse next morning '
        f"({run['pain_before']} &rarr; {morning})</span>"
        if morning is not None and morning > run["pain_before"]
        else ""
    )
    comment = (
        f'<div class="run-comment">&ldquo;{escape(run["comment"])}&rdquo;</div>'
        if run["comment"]
        else ""
    )
    (patient_before, patient_after), (seen_before, seen_after) = urls
    patient_url = f"{patient_before}{_uuid_text(run['patient_ref'])}{patient_after}"
    seen_url = f"{seen_before}{_uuid_text(run['run_id'])}{seen_after}"
    return (
        '\n        <li class="list-group-item px-0 d-flex flex-wrap justify-content-between'
        ' align-items-start gap-2">\n          <div>\n'
        f'            <a href="{patient_url}">{name}</a>, run of {text.date(day, "D j M")}:\n'
        f"            {peak_badge}\n            {worse}\n            {comment}\n"
        "          </div>\n"
        f'          <form method="post" action="{seen_url}">\n'
        f'            <input type="hidden" name="csrfmiddlewaretoken" value="{token}">\n'
        '            <button class="btn btn-sm btn-outline-secondary" type="submit"'
        f' aria-label="Mark {name}\'s run of {text.date(day, "j M")} as seen">'
        "Mark as seen</button>\n          </form>\n        </li>\n        "
    )


#: A UUID's text as `str(UUID)` (and PostgreSQL's `uuid::text`) writes it.
_UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _uuid_text(value) -> str:
    """A public id's text as `uuid_url` puts it in a link (ValueError when it is not a UUID):
    text already written that way as it is."""
    if type(value) is str and _UUID_TEXT.fullmatch(value):
        return value
    return str(value if isinstance(value, UUID) else UUID(str(value)))


@register.simple_tag
def runs_to_review_rows(runs: list[dict], csrf_token="") -> SafeString:
    token = conditional_escape(csrf_token)
    text = FilterText()  # the days' names as the `date` filter draws them, kept per process
    # The two links' text around the UUID, escaped once (a UUID's text needs no escaping).
    urls = tuple(
        tuple(escape(part) for part in uuid_url_parts(name))
        for name in ("patients:detail", "running:run_seen")
    )
    return mark_safe(  # noqa: S308  # nosec B308 B703 (every value escaped)
        "".join(_run_row(run, token, text, urls) for run in runs)
    )


# A run and a programme decision as `running/includes/run_row.html` and `decision.html` draw
# them (on the patient page's running panel and the episode's programme page), in one step each:
# the include's loop of twenty-odd variables and filters cost more than the rows' read.
_RUN = (
    '<li class="list-group-item px-0 run-row">\n'
    '  <div class="d-flex flex-wrap justify-content-between gap-2">\n'
    "    <span><strong>{}</strong> &middot; {} min{} &middot; {} &middot; {}{}</span>\n"
    '    <span class="small">Pain before {}, during {}, after {}, next morning {}\n'
    "      {}\n"
    "      {}</span>\n"
    "  </div>\n"
    "  {}\n"
    "  {}\n"
    "</li>"
)
_NOT_TOLD = mark_safe("<em>not yet told</em>")  # nosec B308 (a constant)
_WORSE = mark_safe(  # nosec B308 (a constant)
    '<span class="badge text-bg-warning">Worse next morning</span>'
)
_DECISION = (
    '<li class="list-group-item px-0 decision-row">\n'
    '  <span class="badge text-bg-{}">{}</span>\n'
    '  <span class="small text-body-secondary">{}{}{}</span>\n'
    "  <div>{}</div>\n"
    "  {}\n"
    "</li>"
)
# The rows' middle dots, arrows and quotes are character references: a page whose data is
# all ASCII is then an ASCII string (the patient page joins and encodes it without widening).
_BY_RULE = mark_safe(" &middot; by the programme's rule")  # nosec B308 (a constant)
_DECISION_BADGES = {"step_back": "danger", "advance": "success", "complete": "success"}


def _run_item(run, text: FilterText) -> SafeString:
    distance = run.distance_km
    morning = run.pain_next_morning
    peak = run.peak
    return html(
        _RUN,
        text.date(run.date, "D j M"),
        run.minutes,
        html(" &middot; {} km", text.number(distance, "-2")) if distance else "",
        display(run, "terrain"),
        capfirst(run.effort),
        html(" (effort {}/10)", run.rpe) if run.rpe else "",
        run.pain_before,
        run.pain_during,
        run.pain_after,
        _NOT_TOLD if morning is None else morning,
        html('<span class="badge text-bg-danger">Pain {}</span>', peak) if peak >= 5 else "",
        _WORSE if run.worse_next_morning else "",
        html('<p class="small text-body-secondary mb-0">Did not count: {}</p>', run.not_counted)
        if run.not_counted
        else "",
        html('<p class="mb-0 run-comment">&ldquo;{}&rdquo;</p>', run.comment)
        if run.comment
        else "",
    )


def _decision_item(decision, show_runs: bool, text: FilterText) -> SafeString:
    by = decision.decided_by
    runs = list(decision.runs.all()) if show_runs else []
    return html(
        _DECISION,
        _DECISION_BADGES.get(decision.kind, "secondary"),
        display(decision, "kind"),
        text.date(decision.created_at, "j M Y, H:i"),
        html(" &middot; {}", by.get_full_name() or by.email) if by else _BY_RULE,
        html(" &middot; step {} &rarr; {}", decision.from_step + 1, decision.to_step + 1)
        if decision.from_step != decision.to_step
        else "",
        decision.rule,
        html(
            '<div class="small text-body-secondary">Runs behind it: {}</div>',
            ", ".join(text.date(run.date, "j M") for run in runs),
        )
        if runs
        else "",
    )


def _run_drawn(run, text: FilterText) -> str:
    """What `_run_item(run, text)` draws, with f-strings (each value escaped where `html`
    escaped it): the patient page's list of recent runs (`run_items`); the run pages keep
    `run_item`."""
    distance = run.distance_km
    morning = run.pain_next_morning
    peak = run.peak
    km = f" &middot; {escape(text.number(distance, '-2'))} km" if distance else ""
    rpe = f" (effort {escape(run.rpe)}/10)" if run.rpe else ""
    pain = f'<span class="badge text-bg-danger">Pain {escape(peak)}</span>' if peak >= 5 else ""
    not_counted = (
        f'<p class="small text-body-secondary mb-0">Did not count: {escape(run.not_counted)}</p>'
        if run.not_counted
        else ""
    )
    comment = (
        f'<p class="mb-0 run-comment">&ldquo;{escape(run.comment)}&rdquo;</p>'
        if run.comment
        else ""
    )
    return (
        '<li class="list-group-item px-0 run-row">\n'
        '  <div class="d-flex flex-wrap justify-content-between gap-2">\n'
        f"    <span><strong>{escape(text.date(run.date, 'D j M'))}</strong>"
        f" &middot; {escape(run.minutes)} min{km} &middot; {escape(display(run, 'terrain'))}"
        f" &middot; {escape(capfirst(run.effort))}{rpe}</span>\n"
        f'    <span class="small">Pain before {escape(run.pain_before)},'
        f" during {escape(run.pain_during)}, after {escape(run.pain_after)},"
        f" next morning {_NOT_TOLD if morning is None else escape(morning)}\n"
        f"      {pain}\n"
        f"      {_WORSE if run.worse_next_morning else ''}</span>\n"
        "  </div>\n"
        f"  {not_counted}\n"
        f"  {comment}\n"
        "</li>"
    )


def _decision_drawn(decision, text: FilterText) -> str:
    """What `_decision_item(decision, False, text)` draws, with f-strings: the patient page's
    list of decisions (`decision_items`, never with their runs); the programme pages keep
    `decision_item`."""
    by = decision.decided_by
    who = f" &middot; {escape(by.get_full_name() or by.email)}" if by else _BY_RULE
    step = (
        f" &middot; step {escape(decision.from_step + 1)} &rarr; {escape(decision.to_step + 1)}"
        if decision.from_step != decision.to_step
        else ""
    )
    return (
        '<li class="list-group-item px-0 decision-row">\n'
        f'  <span class="badge text-bg-{_DECISION_BADGES.get(decision.kind, "secondary")}">'
        f"{escape(display(decision, 'kind'))}</span>\n"
        '  <span class="small text-body-secondary">'
        f"{escape(text.date(decision.created_at, 'j M Y, H:i'))}{who}{step}</span>\n"
        f"  <div>{escape(decision.rule)}</div>\n"
        "  \n"
        "</li>"
    )


@register.simple_tag
def run_item(run) -> SafeString:
    """One run: its day, length, terrain and effort, the pain before, during, after and the
    next morning (with badges when it hurt or was worse), why it did not count, its comment."""
    return _run_item(run, FilterText())


@register.simple_tag
def run_items(runs, text=None) -> SafeString:
    """`run_item` for each of `runs`, as a loop of the include (with its last line's end)
    drew them (`text`: the page's `FilterText`, made here without it)."""
    text = FilterText() if text is None else text
    return SafeString("".join([f"{_run_drawn(run, text)}\n" for run in runs]))  # nosec B703 B308


@register.simple_tag
def decision_item(decision, show_runs=False) -> SafeString:
    """One programme decision: what was decided, when, by whom (or the programme's rule), the
    step it moved from and to, the rule as applied, and with `show_runs` the runs behind it."""
    return _decision_item(decision, bool(show_runs), FilterText())


@register.simple_tag
def decision_items(decisions, text=None) -> SafeString:
    """`decision_item` for each of `decisions` (without their runs), as a loop of the include
    drew them (`text`: the page's `FilterText`, made here without it)."""
    text = FilterText() if text is None else text
    return SafeString(  # nosec B703 B308 (every value escaped)
        "".join([f"{_decision_drawn(d, text)}\n" for d in decisions])
    )


# The patient page's running panel: the programme it shows, drawn in one step.
_HELD_BADGE = mark_safe('<span class="badge text-bg-danger">On hold</span>')  # nosec B308
_STATUS_COLOURS = {True: "success", False: "secondary"}
_NO_RUNS = mark_safe(  # nosec B308 (a constant)
    '<li class="list-group-item px-0 text-body-secondary">No runs logged yet.</li>'
)
_NO_DECISIONS = mark_safe(  # nosec B308 (a constant)
    '<li class="list-group-item px-0 text-body-secondary">None yet.</li>'
)
_NO_PROGRAMME = mark_safe(  # nosec B308 (a constant)
    '\n        <p class="text-body-secondary">No return-to-run programme yet.</p>\n      '
)

_PORTAL_RUN = (
    '\n    <li class="list-group-item px-0">\n'
    "      <strong>{}</strong> · {} min · {} · pain during {}, after {}, next morning {}\n"
    "      {}\n    </li>\n    "
)
_NO_PORTAL_RUNS = mark_safe(  # nosec B308 (a constant)
    '\n    <li class="list-group-item px-0 text-body-secondary">No runs logged yet.</li>\n    '
)


@register.simple_tag
def programme_summary(current, runs, decisions, text=None, url=None) -> SafeString:
    """The programme the patient page shows (`current`): its name, state and start, a hold
    and how to resume, the step to do now, its recent runs and decisions; or that there is no
    programme yet. `text` and `url`: the page's `FilterText` and `uuid_urls()` (made here
    without them)."""
    if not current:
        return _NO_PROGRAMME
    text = FilterText() if text is None else text
    active = current.status == "active"
    held = current.is_held
    badge = (
        _HELD_BADGE
        if held
        else f'<span class="badge text-bg-{_STATUS_COLOURS[active]}">'
        f"{escape(display(current, 'status'))}</span>"
    )
    hold = (
        '<p class="alert alert-danger py-2 programme-hold">'
        f"On hold: {escape(current.hold_reason)}."
        f' <a href="{escape((url or uuid_url)("running:episode", current.episode.public_id))}">'
        "Resume with a reason</a></p>"
        if held
        else ""
    )
    step = (
        f'<p class="mb-2 run-current-step">{escape(current.step_label)}: '
        f"{escape(current.step.what_to_do())}</p>"
        if active
        else ""
    )
    return SafeString(  # nosec B703 B308 (every value escaped)
        f'\n        <p class="mb-1"><strong>{escape(current.name)}</strong> {badge}'
        f" &middot; started {escape(text.date(current.started_on, 'j M Y'))}</p>\n"
        f"        {hold}\n"
        f"        {step}\n"
        '        <h3 class="h6 mt-3">Recent runs</h3>\n'
        '        <ul class="list-group list-group-flush mb-2">\n'
        f"          {run_items(runs, text) if runs else _NO_RUNS}\n"
        "        </ul>\n"
        '        <h3 class="h6 mt-3">Decisions</h3>\n'
        '        <ul class="list-group list-group-flush mb-2">\n'
        f"          {decision_items(decisions, text) if decisions else _NO_DECISIONS}\n"
        "        </ul>\n      "
    )


@register.simple_tag
def portal_run_items(runs) -> SafeString:
    """The portal running page's "My runs": each run's day, length, terrain and pain during,
    after and the next morning, and why it did not count; a line saying there is none yet."""
    if not runs:
        return _NO_PORTAL_RUNS
    text = FilterText()
    return html_join(
        "",
        _PORTAL_RUN,
        (
            (
                text.date(run.date, "D j M"),
                run.minutes,
                run.get_terrain_display(),
                run.pain_during,
                run.pain_after,
                "not yet told" if run.pain_next_morning is None else run.pain_next_morning,
                html(
                    '<div class="small text-body-secondary run-not-counted">{}</div>',
                    run.not_counted,
                )
                if run.not_counted
                else "",
            )
            for run in runs
        ),
    )


def draw_panel(values: dict, csrf_token) -> str:
    """The patient page's running panel (`Panel.draw`): the programme it shows
    (`programme_summary`) and a link to each open episode's running page, with the page's
    `FilterText` and links (`held_text`, `held_urls`: made once a view). The whole panel as
    running/panels/patient_programme.html drew it, with f-strings (a test holds them
    together)."""
    patient = values.get("patient")
    url = held_urls(patient)
    summary = programme_summary(
        values.get("current"), values.get("runs"), values.get("decisions"), held_text(patient), url
    )
    links = "".join(
        [
            '<a class="btn btn-sm btn-outline-primary" '
            f'href="{escape(url("running:episode", episode.public_id))}">'
            f"Running for {escape(episode)}</a>"
            for episode in values["episodes"]
        ]
    )
    return SafeString(  # nosec B703 B308 (every value escaped)
        '<section class="col-12" aria-labelledby="run-programme-heading">\n'
        '  <div class="card">\n'
        '    <div class="card-body">\n'
        '      <h2 class="h5" id="run-programme-heading">Return to running</h2>\n'
        f"      {summary}\n"
        '      <div class="d-flex flex-wrap gap-2">\n'
        f"        {links}\n"
        "      </div>\n"
        "    </div>\n"
        "  </div>\n"
        "</section>\n"
    )
