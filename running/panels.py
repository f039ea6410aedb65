"""What return-to-run adds to pages other apps own (see clinic/panels.py): the staff patient
page (reception sees only that a programme exists), the therapist's dashboard (runs to look
at) and the patient's portal home (today's step and the next-morning question)."""

from __future__ import annotations

import datetime as dt
import functools

from django import forms
from django.core.signals import setting_changed
from django.db.models import Func, JSONField, TextField
from django.db.models.functions import Cast
from django.dispatch import receiver
from django.urls import get_script_prefix
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from clinic import audit
from clinic.access import CLINICAL, STAFF, has_role
from clinic.filters import FilterText
from clinic.json_rows import RowsArray, decode
from clinic.links import fixed_url, uuid_url
from clinic.markup import escape
from clinic.panels import DischargeStep, Panel, dashboard_read, rows_for_user
from exercises.selectors import patient_today
from patients.page_rows import PageRead
from patients.selectors import open_episodes
from running import selectors
from running.models import ProgrammeDecision, RunLog, RunProgramme
from running.programmes import Step
from running.templatetags import running_rows


def patient_page_reads(*, user, patient) -> list[PageRead]:
    """The patient's programmes: whole for clinicians (the panel and the rehab measures),
    in brief for reception."""
    if not has_role(user, STAFF):
        return []
    if not has_role(user, CLINICAL):
        return [PageRead("running_programmes_brief", RunProgramme, selectors._programmes_brief_of)]
    return [
        PageRead("running_programmes_of_patient", RunProgramme, selectors.programmes_drawn_of),
        PageRead("running_recent_runs_of_patient", RunLog, selectors.recent_runs_of_patient),
        PageRead(
            "running_recent_decisions_of_patient",
            ProgrammeDecision,
            selectors.recent_decisions_of_patient,
        ),
    ]


def patient_panels(*, user, patient) -> list[Panel]:
    if not has_role(user, STAFF):
        return []
    if not has_role(user, CLINICAL):
        # Reception: that a programme exists and when it started, nothing about pain.
        return [
            Panel(
                template="running/panels/patient_programme_reception.html",
                context=lambda: {
                    "programmes": list(selectors.programmes_brief(patient=patient)),
                },
                order=45,
            )
        ]
    return [
        Panel(
            context=lambda: {
                "patient": patient,
                "episodes": open_episodes(patient=patient),
                **selectors.patient_panel_data(patient=patient),
            },
            order=45,
            draw=running_rows.draw_panel,
        )
    ]


#: What the dashboard's "Runs to look at" draws of each run (`dashboard_run_values`).
_DASHBOARD_RUN_COLUMNS = (
    "date",
    "pain_before",
    "pain_during",
    "pain_after",
    "pain_next_morning",
    "comment",
    "patient_id",
    "patient__first_name",
    "patient__last_name",
)


def dashboard_run_values(runs):
    """`runs` as the rows the dashboard draws: `_DASHBOARD_RUN_COLUMNS`, and the run's and its
    patient's public ids as text (`run_id`, `patient_ref`), which the driver gives as it is
    where it would build a `UUID` in Python for each (two a run)."""
    return runs.values(
        *_DASHBOARD_RUN_COLUMNS,
        run_id=Cast("public_id", TextField()),
        patient_ref=Cast("patient__public_id", TextField()),
    )


def _runs_waiting(*, user):
    """The first runs waiting for the therapist (one more than the card shows), with their
    patients' names: the first runs are picked before the patients are joined, so only theirs
    are read (a join first read the whole patient table)."""
    return RunLog.objects.filter(
        pk__in=selectors.runs_to_review(user=user).values("pk")[: selectors.DASHBOARD_LIMIT + 1]
    ).order_by("date", "id")


class _JSONArray(Func):
    """A JSON array of the expressions' values: its order is the caller's, and an array
    carries no key (an object of these ten would name each one again on every run)."""

    function = "JSON_BUILD_ARRAY"
    output_field = JSONField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="JSON_ARRAY", **extra_context)


#: The runs' columns in the dashboard's statement, each run a JSON array in this order (the
#: keys of `dashboard_run_values`' rows).
_RUN_KEYS = (*_DASHBOARD_RUN_COLUMNS, "run_id", "patient_ref")


def dashboard_reads(*, user) -> dict:
    """The runs card's rows as a column of the dashboard's statement (`dashboard_run_values`'
    columns, each run a JSON array): a statement of its own cost the server a round trip."""
    if not has_role(user, CLINICAL):
        return {}
    runs = _runs_waiting(user=user).values(
        row=_JSONArray(
            *_DASHBOARD_RUN_COLUMNS,
            Cast("public_id", TextField()),
            Cast("patient__public_id", TextField()),
        )
    )
    # As text: the same runs come back view after view, so the text is the key of what is
    # made of them once per process (`_runs_of_text`), not decoded on every view.
    return {"running_runs": Cast(RowsArray(runs), TextField())}


@functools.lru_cache(maxsize=256)
def _runs_of_text(text: str) -> tuple[list[dict], tuple[tuple, ...], tuple[str, ...]]:
    """The runs of the dashboard statement's text (`_runs_from_read`), with the first
    `DASHBOARD_LIMIT` of them as `_runs_drawn` takes them (each run's values, and the keys),
    made once per process for the same text. Nobody changes the dicts (the card and the audit
    trail read them)."""
    runs = _runs_from_read(decode(text))
    shown = runs[: selectors.DASHBOARD_LIMIT]
    return runs, tuple(tuple(run.values()) for run in shown), tuple(shown[0]) if shown else ()


def _runs_from_read(rows: list) -> list[dict]:
    """The runs of the dashboard's statement as `dashboard_run_values` gives them (the day as
    a date, JSON's text)."""
    runs = []
    for row in rows:
        run = dict(zip(_RUN_KEYS, row, strict=True))
        run["date"] = dt.date.fromisoformat(run["date"])
        runs.append(run)
    return runs


def dashboard_panels(*, user) -> list[Panel]:
    if not has_role(user, CLINICAL):
        return []

    def context() -> dict:
        # One query (or a column of the dashboard's): the runs with their patients' names, as
        # values (drawn in one step by running/templatetags/running_rows.py).
        read = dashboard_read(user)
        kept = None
        if read is not None:
            runs, *kept = _runs_of_text(read["running_runs"])  # kept: rows and keys
        else:
            runs = rows_for_user(
                "running.panels.runs_to_review",
                RunLog,
                lambda *, user: dashboard_run_values(_runs_waiting(user=user)),
                user=user,
            )
        for run in runs:
            audit.note_patient_id(run["patient_id"], RunLog, run["run_id"])
        return {
            "runs": runs[: selectors.DASHBOARD_LIMIT],
            "more": len(runs) > selectors.DASHBOARD_LIMIT,
            # `_runs_drawn`'s key, made with the runs (the template does not read it).
            "kept": kept,
        }

    return [
        Panel(
            template="running/panels/dashboard_runs.html",
            context=context,
            order=18,
            draw=_dashboard_runs_html,
        )
    ]


# running/panels/dashboard_runs.html, drawn in Python (a test holds them together): the
# template's lookup and render cost more than the card around the rows.
_RUNS_HEAD = (
    '<section class="col-12" aria-labelledby="runs-review-heading">\n'
    '  <div class="card">\n'
    '    <div class="card-body">\n'
    '      <h2 class="h5" id="runs-review-heading">Runs to look at</h2>\n'
    "      "
)
_RUNS_TAIL = "\n    </div>\n  </div>\n</section>\n"
_NO_RUNS = mark_safe(  # noqa: S308  # nosec B308 B703 (a constant)
    f"{_RUNS_HEAD}\n"
    '      <p class="text-body-secondary mb-0">No runs with high pain, a worse next morning or a'
    " comment.</p>\n      "
    f"{_RUNS_TAIL}"
)
_MORE_RUNS = (
    '<p class="small text-body-secondary mb-0 mt-2">More runs are waiting: they move up as these'
    " are marked seen.</p>"
)


def _dashboard_runs_html(values: dict, csrf_token) -> SafeString:
    """The "Runs to look at" card: the runs (`running_rows.runs_to_review_rows`) and whether
    more are waiting, or that there is none."""
    if not values["runs"]:
        return _NO_RUNS
    runs = values["runs"]
    shown, keys = values.get("kept") or (
        tuple(tuple(run.values()) for run in runs),
        tuple(runs[0]),
    )
    drawn = _runs_drawn(shown, keys, get_script_prefix(), get_language())
    rows = drawn.replace(_SLOT, conditional_escape(csrf_token))
    more = _MORE_RUNS if values["more"] else ""
    return mark_safe(  # noqa: S308  # nosec B308 B703 (the rows are escaped where drawn)
        f"{_RUNS_HEAD}\n"
        '      <ul class="list-group list-group-flush runs-to-review">\n'
        f"        {rows}\n"
        "      </ul>\n"
        f"      {more}\n"
        f"      {_RUNS_TAIL}"
    )


#: Where each row's form has the page's CSRF token, in the rows kept per process: PostgreSQL's
#: text cannot hold a NUL, so no value drawn around it can.
_SLOT = "\x00"


@functools.lru_cache(maxsize=256)
def _runs_drawn(rows: tuple[tuple, ...], keys: tuple[str, ...], prefix: str, language) -> str:
    """The runs' list items (`running_rows.runs_to_review_rows`) with `_SLOT` for the token,
    kept per process by the rows' values, the script prefix their links start with and the
    language their days are named in: the runs waiting for a therapist change only when they
    log or mark one, so the same rows come back view after view, and comparing them costs a
    small part of drawing them (the page's token, new each view, is put in afterwards)."""
    return running_rows.runs_to_review_rows(
        [dict(zip(keys, row, strict=True)) for row in rows], _SLOT
    )


@receiver(setting_changed)
def _forget_runs(*, setting, **kwargs):
    """Tests that swap the URLconf change the links the kept rows hold."""
    if setting == "ROOT_URLCONF":
        _runs_drawn.cache_clear()


def portal_reads(*, day, week_before, now) -> dict:
    """The portal home's statement brings the programme (`selectors.portal_home_reads`)."""
    return selectors.portal_home_reads(today=day, week_before=week_before)


def portal_panels(*, user, patient) -> list[Panel]:
    """One query: the current programme with the newest run waiting for its next-morning
    answer."""
    today = patient_today(patient)
    programme = selectors.programme_current_with_awaiting(patient=patient, today=today)
    if programme is None:
        return []
    return [
        Panel(
            draw=_portal_programme_html,
            context={
                "programme": programme,
                "awaiting": [programme.awaiting] if programme.awaiting else [],
                "today": today,
            },
            order=25,
        )
    ]


def _portal_programme_html(values: dict, csrf_token) -> SafeString:
    """The running card of the portal home, drawn in Python (as the condition and stage cards
    are): the next-morning question for the run waiting for it, then today's step and the
    link to log a run, the hold, or the end of the programme."""
    programme = values["programme"]
    text = FilterText()
    asks = "".join(
        "\n"
        '        <div class="alert alert-info py-2">How was this morning? <a href="'
        f'{escape(uuid_url("portal:running_morning", run.public_id))}">Tell us your pain the'
        f" morning after your run of {escape(text.date(run.date, 'l j F'))}</a>.</div>\n"
        "      "
        for run in values["awaiting"]
    )
    if programme.is_held:
        now = (
            '\n        <p class="programme-hold">Your running programme is paused: please do'
            " not run until you have been checked. Your physio will restart it once you are"
            " cleared.</p>\n      "
        )
    elif programme.status == "active":
        # The programme's `step_label` and `step`, from the one step the home read (the
        # selector defers the whole list: `step_now` and `step_count`).
        step = Step.from_dict(programme.step_now)
        label = f"Step {programme.current_step + 1} of {programme.step_count}: {step.name}"
        now = (
            f'\n        <p class="mb-1 fw-semibold">{escape(label)}</p>\n'
            f"        <p>{escape(step.what_to_do())}</p>\n"
            '        <a class="btn btn-primary btn-lg-mobile"'
            f' href="{escape(fixed_url("portal:running_log"))}">Log a run</a>\n      '
        )
    else:
        now = "\n        <p>You have finished your return-to-run programme.</p>\n      "
    return mark_safe(  # noqa: S308 (every value escaped)  # nosec B703 B308
        '<div class="col-12 col-lg-6">\n'
        '  <section class="card h-100 portal-running" aria-labelledby="portal-running-heading">\n'
        '    <div class="card-body">\n'
        '      <h2 class="h5" id="portal-running-heading">Your running</h2>\n'
        f"      {asks}\n"
        f"      {now}\n"
        f'      <a class="ms-2" href="{escape(fixed_url("portal:running"))}">'
        "My running programme</a>\n"
        "    </div>\n"
        "  </section>\n"
        "</div>\n"
    )


def discharge_extensions(*, user, episode, data=None) -> list[DischargeStep]:
    """Discharge ends the episode's active return-to-run programme; the page says so first."""
    from running import services

    programme = selectors.programme_active_for_episode(episode=episode)
    if programme is None or not has_role(user, CLINICAL):
        return []
    return [
        DischargeStep(
            template="running/includes/discharge_step.html",
            finish=lambda *, episode, user: services.programme_end_for_discharge(episode=episode),
            form=forms.Form(data),
            context={"programme": programme},
        )
    ]
