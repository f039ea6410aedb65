"""The course-of-care pages' lists drawn in one step (`recovery_cards`, `portal_run_items`) give
the markup their template loops gave, whatever the rows hold, and typed text stays text."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.template import Context, Template

from patients.models import Episode
from rehab.catalogue import CATALOGUE, Stage, StageList
from rehab.criteria import MET, NOT_MEASURED, NOT_MET, CriterionResult
from rehab.selectors import RehabStatus
from rehab.templatetags.recovery_tags import recovery_cards
from running.models import RunLog
from running.selectors import PortalRun
from running.templatetags.running_rows import portal_run_items

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "portal"

# The loops as they stood in templates/portal/rehab.html and running.html before (stop 29).
RECOVERY_LOOP = Template(
    "{% for status in statuses %}\n"
    '<section class="card mb-3" aria-labelledby="recovery-{{ status.episode.number }}">\n'
    '  <div class="card-body">\n'
    "    {% if status.stage %}\n"
    '      <h2 class="h5" id="recovery-{{ status.episode.number }}">You are at: '
    '{{ status.stage.label }} <span class="text-body-secondary small">'
    "({{ status.position|lower }})</span></h2>\n"
    "      <p>{{ status.stage.patient_text }}</p>\n"
    '      <ol class="list-inline small text-body-secondary">\n'
    '        {% for stage in status.stage_list.stages %}<li class="list-inline-item'
    '{% if stage.code == status.stage.code %} fw-bold text-body{% endif %}">'
    "{{ forloop.counter }}. {{ stage.label }}</li>{% endfor %}\n"
    "      </ol>\n"
    "      {% if status.next_stage %}\n"
    '      <h3 class="h6">To move on to {{ status.next_stage.label|lower }}</h3>\n'
    "      {% else %}\n"
    '      <h3 class="h6">To finish your recovery</h3>\n'
    "      {% endif %}\n"
    '      <ul class="list-unstyled mb-2 recovery-checks">\n'
    "        {% for result in status.results %}\n"
    '        <li class="mb-1">{% if result.met %}<span class="text-success" aria-hidden="true">'
    '✓</span> <span class="visually-hidden">Done:</span>{% else %}<span aria-hidden="true">'
    '○</span> <span class="visually-hidden">Not yet:</span>{% endif %} '
    '{{ result.patient_label }}{% if result.status == "not_measured" %} <span class="small '
    'text-body-secondary">(not checked yet)</span>{% endif %}</li>\n'
    "        {% endfor %}\n"
    "      </ul>\n"
    '      <p class="small text-body-secondary mb-0">Your physiotherapist decides with you when '
    "to move on.</p>\n"
    "    {% else %}\n"
    '      <h2 class="h5" id="recovery-{{ status.episode.number }}">Your recovery plan</h2>\n'
    '      <p class="mb-0">Your physiotherapist will set out the stages of your recovery with '
    "you.</p>\n"
    "    {% endif %}\n"
    "  </div>\n"
    "</section>\n"
    "{% endfor %}"
)
RUNS_LOOP = Template(
    "{% for run in runs %}\n"
    '    <li class="list-group-item px-0">\n'
    '      <strong>{{ run.date|date:"D j M" }}</strong> · {{ run.minutes }} min · '
    "{{ run.get_terrain_display }} · pain during {{ run.pain_during }}, after "
    "{{ run.pain_after }}, next morning {% if run.pain_next_morning is None %}not yet told"
    "{% else %}{{ run.pain_next_morning }}{% endif %}\n"
    '      {% if run.not_counted %}<div class="small text-body-secondary run-not-counted">'
    "{{ run.not_counted }}</div>{% endif %}\n"
    "    </li>\n"
    "    {% empty %}\n"
    '    <li class="list-group-item px-0 text-body-secondary">No runs logged yet.</li>\n'
    "    {% endfor %}"
)
TYPED = '<b>"Tom & Jerry\'s"</b>'


def _result(status: str, label: str = "Your leg lifts as high as the other") -> CriterionResult:
    return CriterionResult(code="c", label="clinical", patient_label=label, status=status)


def _statuses() -> list[RehabStatus]:
    neural = CATALOGUE.stage_list_for("neural")
    # A stage list with typed markup in every word the card shows, to see it stays text.
    odd = StageList(
        name="odd",
        stages=(
            Stage("one", f"First {TYPED}", f"Do this {TYPED}", ()),
            Stage("two", f"Second {TYPED}", "Then this", ()),
        ),
    )
    results = [_result(MET), _result(NOT_MET), _result(NOT_MEASURED, f"Typed {TYPED}")]
    return [
        RehabStatus(
            episode=Episode(number=3),
            decision=None,
            stage_list=neural,
            stage=neural.stages[1],
            results=results,
        ),
        # The last stage: no next stage to move on to.
        RehabStatus(
            episode=Episode(number=2),
            decision=None,
            stage_list=neural,
            stage=neural.stages[-1],
            results=[_result(MET)],
        ),
        RehabStatus(episode=Episode(number=12), decision=None, stage_list=odd, stage=odd.stages[0]),
        # Before a confirmed diagnosis (or for a red flag): no stages yet.
        RehabStatus(episode=Episode(number=1), decision=None, message="No diagnosis yet"),
    ]


def test_the_pages_draw_their_lists_with_the_tags():
    assert "{% recovery_cards statuses %}" in (TEMPLATES / "rehab.html").read_text()
    assert "{% portal_run_items runs %}" in (TEMPLATES / "running.html").read_text()


def test_recovery_cards_are_drawn_as_the_template_loop_drew_them():
    statuses = _statuses()
    drawn = recovery_cards(statuses)
    assert drawn == RECOVERY_LOOP.render(Context({"statuses": statuses}))
    assert recovery_cards([]) == ""
    # Each kind of card and line is there.
    for words in ("To move on to", "To finish your recovery", "Your recovery plan", "Done:"):
        assert words in drawn
    assert "(not checked yet)" in drawn


def test_typed_words_on_a_recovery_card_stay_text():
    drawn = recovery_cards(_statuses())
    assert "<b>" not in drawn
    assert "&lt;b&gt;&quot;Tom &amp; Jerry&#x27;s&quot;&lt;/b&gt;" in drawn


def _runs() -> list[RunLog]:
    return [
        RunLog(
            date=dt.date(2026, 3, 29),
            minutes=25,
            terrain="flat",
            pain_during=2,
            pain_after=3,
            pain_next_morning=1,
        ),
        # Not answered the next morning yet, and a reason it did not count (typed markup).
        RunLog(
            date=dt.date(2026, 12, 1),
            minutes=1200,
            terrain="mixed_hills",
            pain_during=0,
            pain_after=0,
            pain_next_morning=None,
            not_counted=f"Logged late {TYPED}",
        ),
        RunLog(
            date=dt.date(2026, 12, 2),
            minutes=30,
            terrain="uphill",
            pain_during=5,
            pain_after=6,
            pain_next_morning=0,
        ),
    ]


@pytest.mark.parametrize("count", [0, 1, 3])
def test_portal_runs_are_drawn_as_the_template_loop_drew_them(count):
    runs = _runs()[:count]
    assert portal_run_items(runs) == RUNS_LOOP.render(Context({"runs": runs}))


def test_runs_read_with_the_page_as_plain_values_are_drawn_as_the_models_were():
    runs = _runs()
    plain = [
        PortalRun(
            date=run.date,
            minutes=run.minutes,
            terrain=run.terrain,
            pain_during=run.pain_during,
            pain_after=run.pain_after,
            pain_next_morning=run.pain_next_morning,
            not_counted=run.not_counted,
        )
        for run in runs
    ]
    assert [run.get_terrain_display() for run in plain] == [
        run.get_terrain_display() for run in runs
    ]
    assert portal_run_items(plain) == RUNS_LOOP.render(Context({"runs": runs}))


def test_a_runs_typed_reason_stays_text_and_an_unanswered_morning_says_so():
    drawn = portal_run_items(_runs())
    assert "<b>" not in drawn
    assert "Logged late &lt;b&gt;" in drawn
    assert "next morning not yet told" in drawn
    assert "No runs logged yet." in portal_run_items([])
