"""A run and a programme decision drawn in one step (`running_rows.run_item`,
`decision_item`) give the markup their includes' templates gave, whatever the row holds."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import timezone

from clinic.models import User
from running.models import ProgrammeDecision, RunLog
from running.templatetags.running_rows import decision_item, decision_items, run_item, run_items
from tests.running.factories import programme, run

pytestmark = pytest.mark.django_db

# The includes as they stood before (stop 28), each a template of its own.
RUN_ROW = Template(
    '<li class="list-group-item px-0 run-row">\n'
    '  <div class="d-flex flex-wrap justify-content-between gap-2">\n'
    '    <span><strong>{{ run.date|date:"D j M" }}</strong> &middot; {{ run.minutes }} min'
    '{% if run.distance_km %} &middot; {{ run.distance_km|floatformat:"-2" }} km{% endif %} &middot; '
    "{{ run.get_terrain_display }} &middot; {{ run.effort|capfirst }}{% if run.rpe %} "
    "(effort {{ run.rpe }}/10){% endif %}</span>\n"
    '    <span class="small">Pain before {{ run.pain_before }}, during {{ run.pain_during }}, '
    "after {{ run.pain_after }}, next morning {% if run.pain_next_morning is None %}"
    "<em>not yet told</em>{% else %}{{ run.pain_next_morning }}{% endif %}\n"
    '      {% if run.peak >= 5 %}<span class="badge text-bg-danger">Pain {{ run.peak }}</span>'
    "{% endif %}\n"
    '      {% if run.worse_next_morning %}<span class="badge text-bg-warning">Worse next '
    "morning</span>{% endif %}</span>\n"
    "  </div>\n"
    '  {% if run.not_counted %}<p class="small text-body-secondary mb-0">Did not count: '
    "{{ run.not_counted }}</p>{% endif %}\n"
    '  {% if run.comment %}<p class="mb-0 run-comment">&ldquo;{{ run.comment }}&rdquo;</p>{% endif %}\n'
    "</li>\n"
)
DECISION = Template(
    '<li class="list-group-item px-0 decision-row">\n'
    "  <span class=\"badge text-bg-{% if decision.kind == 'step_back' %}danger{% elif "
    "decision.kind == 'advance' or decision.kind == 'complete' %}success{% else %}secondary"
    '{% endif %}">{{ decision.get_kind_display }}</span>\n'
    '  <span class="small text-body-secondary">{{ decision.created_at|date:"j M Y, H:i" }}'
    "{% if decision.decided_by %} &middot; {{ decision.decided_by.get_full_name|default:"
    "decision.decided_by.email }}{% else %} &middot; by the programme's rule{% endif %}"
    "{% if decision.from_step != decision.to_step %} &middot; step {{ decision.from_step|add:1 }} &rarr; "
    "{{ decision.to_step|add:1 }}{% endif %}</span>\n"
    "  <div>{{ decision.rule }}</div>\n"
    '  {% if show_runs and decision.runs.all %}<div class="small text-body-secondary">Runs '
    'behind it: {% for run in decision.runs.all %}{{ run.date|date:"j M" }}'
    "{% if not forloop.last %}, {% endif %}{% endfor %}</div>{% endif %}\n"
    "</li>\n"
)


def test_the_includes_are_the_tags():
    folder = Path(__file__).resolve().parents[2] / "templates" / "running" / "includes"
    assert "{% run_item run %}" in (folder / "run_row.html").read_text()
    assert "{% decision_item decision show_runs %}" in (folder / "decision.html").read_text()


def test_runs_are_drawn_as_the_include_drew_them():
    runs = [
        RunLog(
            date=dt.date(2026, 3, 29),
            minutes=25,
            distance_km=Decimal("4.50"),
            terrain="flat",
            effort="easy",
            rpe=4,
            pain_before=1,
            pain_during=2,
            pain_after=2,
        ),
        RunLog(
            date=dt.date(2026, 3, 30),
            minutes=40,
            distance_km=Decimal("0.00"),
            terrain="mixed_hills",
            effort="hard",
            pain_before=2,
            pain_during=6,
            pain_after=5,
            pain_next_morning=4,
            not_counted="Longer than the step <allows>",
            comment='Knee "clicked" & ached',
        ),
    ]
    expected = "".join(RUN_ROW.render(Context({"run": item})) for item in runs)
    assert run_items(runs) == expected
    assert run_item(runs[1]) + "\n" == RUN_ROW.render(Context({"run": runs[1]}))
    assert "not yet told" in expected
    assert "Pain 6" in expected
    assert "Worse next morning" in expected
    assert "&lt;allows&gt;" in expected


def test_decisions_are_drawn_as_the_include_drew_them(therapist):
    at = dt.datetime(2026, 7, 1, 23, 5, tzinfo=dt.UTC)  # 2 Jul in the clinic's summer time
    decisions = [
        ProgrammeDecision(
            kind="advance", from_step=3, to_step=4, rule="Two calm runs", created_at=at
        ),
        ProgrammeDecision(
            kind="manual",
            from_step=2,
            to_step=2,
            rule="Held <for> a flare",
            created_at=at,
            decided_by=User(email="no.name@example.org"),
        ),
        ProgrammeDecision(
            kind="step_back",
            from_step=2,
            to_step=1,
            rule="Pain 6",
            created_at=at,
            decided_by=therapist,
        ),
    ]
    expected = "".join(DECISION.render(Context({"decision": item})) for item in decisions)
    assert decision_items(decisions) == expected
    assert "2 Jul 2026, 00:05" in expected  # the clinic's time, not UTC's
    assert "by the programme's rule &middot; step 4 &rarr; 5" in expected
    assert "no.name@example.org" in expected


def test_a_decision_shows_the_runs_behind_it_when_asked(therapist):
    assigned = programme(
        therapist=therapist, started_on=timezone.localdate() - dt.timedelta(days=9)
    )
    first = run(assigned, timezone.localdate() - dt.timedelta(days=3))
    second = run(assigned, timezone.localdate() - dt.timedelta(days=1))
    decision = ProgrammeDecision.objects.create(
        programme=assigned, kind="hold", from_step=0, to_step=0, rule="Waiting"
    )
    decision.runs.set([first, second])
    for show_runs in (True, False):
        drawn = decision_item(decision, show_runs)
        assert drawn + "\n" == DECISION.render(
            Context({"decision": decision, "show_runs": show_runs})
        )
        assert ("Runs behind it" in drawn) is show_runs


#: The patient page's running panel's programme block, as it stood before
#: `programme_summary` drew it.
PROGRAMME = Template(
    "{% load clinic_tags running_rows %}{% if current %}\n"
    '        <p class="mb-1"><strong>{{ current.name }}</strong> {% if current.is_held %}'
    '<span class="badge text-bg-danger">On hold</span>{% else %}<span class="badge '
    "text-bg-{% if current.status == 'active' %}success{% else %}secondary{% endif %}\">"
    "{{ current.get_status_display }}</span>{% endif %} &middot; started "
    '{{ current.started_on|date:"j M Y" }}</p>\n'
    '        {% if current.is_held %}<p class="alert alert-danger py-2 programme-hold">On hold: '
    "{{ current.hold_reason }}. <a href=\"{% uuid_url 'running:episode' "
    'current.episode.public_id %}">Resume with a reason</a></p>{% endif %}\n'
    "        {% if current.status == 'active' %}<p class=\"mb-2 run-current-step\">"
    "{{ current.step_label }}: {{ current.step.what_to_do }}</p>{% endif %}\n"
    '        <h3 class="h6 mt-3">Recent runs</h3>\n'
    '        <ul class="list-group list-group-flush mb-2">\n'
    '          {% if runs %}{% run_items runs %}{% else %}<li class="list-group-item px-0 '
    'text-body-secondary">No runs logged yet.</li>{% endif %}\n'
    "        </ul>\n"
    '        <h3 class="h6 mt-3">Decisions</h3>\n'
    '        <ul class="list-group list-group-flush mb-2">\n'
    '          {% if decisions %}{% decision_items decisions %}{% else %}<li class="list-group-'
    'item px-0 text-body-secondary">None yet.</li>{% endif %}\n'
    "        </ul>\n"
    "      {% else %}\n"
    '        <p class="text-body-secondary">No return-to-run programme yet.</p>\n'
    "      {% endif %}"
)
PROGRAMME_NOW = Template("{% load running_rows %}{% programme_summary current runs decisions %}")


def test_the_patient_pages_programme_is_drawn_as_the_panel_drew_it(therapist):
    """Active with runs, on hold (a reason typed with markup), finished, and none at all."""
    assigned = programme(
        therapist=therapist, started_on=timezone.localdate() - dt.timedelta(days=9)
    )
    runs = [run(assigned, timezone.localdate() - dt.timedelta(days=2), comment="<b>ok</b>")]
    decisions = [
        ProgrammeDecision(
            kind="hold", from_step=0, to_step=0, rule="Wait", created_at=timezone.now()
        )
    ]
    held = programme(therapist=therapist)
    held.hold_reason = "Red flag <referral>"
    finished = programme(therapist=therapist)
    finished.status = "completed"
    cases = [
        {"current": assigned, "runs": runs, "decisions": decisions},
        {"current": held, "runs": [], "decisions": []},
        {"current": finished, "runs": [], "decisions": []},
        {"current": None, "runs": [], "decisions": []},
    ]
    drawn = [PROGRAMME_NOW.render(Context(case)) for case in cases]
    assert drawn == [PROGRAMME.render(Context(case)) for case in cases]
    assert "run-current-step" in drawn[0]
    assert "&lt;b&gt;ok&lt;/b&gt;" in drawn[0]
    assert "On hold: Red flag &lt;referral&gt;." in drawn[1]
    assert "run-current-step" not in drawn[2]
    assert "No return-to-run programme yet." in drawn[3]
