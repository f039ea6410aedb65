"""The adherence table's rows are drawn in one step (`adherence_rows`): the same markup the
template loop drew, week by week, whatever the week holds."""

from __future__ import annotations

import datetime as dt
import uuid
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils.safestring import mark_safe

from clinic.filters import FilterText
from exercises.adherence import WeekStat
from exercises.templatetags.adherence_tags import adherence_items, adherence_rows

pytestmark = pytest.mark.django_db

#: The loop the tag replaced, as it stood in exercises/includes/adherence.html.
LOOP = Template(
    "{% for week in series %}\n"
    "          <tr>\n"
    '            <th scope="row">{{ week.number }} <span class="small text-body-secondary">'
    '({{ week.week_start|date:"j M" }})</span></th>\n'
    "            <td>{{ week.sessions_logged }} of {{ week.sessions_prescribed }}</td>\n"
    "            <td>{{ week.adherence_percent }}%{% if not week.complete %} "
    '<span class="small text-body-secondary">so far</span>{% endif %}</td>\n'
    "            <td>{% if week.pain_peak is not None %}"
    '{{ week.pain_peak|floatformat:"-1" }}/10{% else %}&mdash;{% endif %}</td>\n'
    "          </tr>\n"
    "        {% endfor %}"
)


def _week(number, *, peak, complete, done=5, due=9):
    return WeekStat(
        week_start=dt.date(2026, 11, 2) + dt.timedelta(days=7 * (number - 1)),
        number=number,
        sessions_logged=3,
        sessions_prescribed=4,
        doses_done=done,
        doses_due=due,
        pain_during=None,
        pain_after=None,
        pain_peak=peak,
        complete=complete,
    )


def test_it_draws_the_rows_the_template_loop_drew():
    series = [
        _week(1, peak=4.0, complete=True),
        _week(2, peak=3.5, complete=True, done=0),
        _week(3, peak=None, complete=True, due=0),
        _week(4, peak=7.25, complete=False),
    ]
    drawn = adherence_rows(series)
    assert drawn == LOOP.render(Context({"series": series}))
    assert "(2 Nov)" in drawn
    assert "4/10" in drawn
    assert "7.3/10" in drawn  # floatformat rounds half up
    assert drawn.count("so far") == 1
    assert drawn.count("&mdash;") == 1
    # The patient page's plans draw them with `adherence_items`: the same markup.
    assert adherence_items(series, FilterText()) == drawn


#: The patient page's plan loop and the adherence include it drew, as they stood before
#: `plan_blocks` and `adherence_block` replaced them.
OLD_INCLUDE = (
    '{% with series=adherence.series %}\n{% if series %}\n<div class="row g-3 adherence">\n'
    '  <div class="col-12{% if wide %} col-lg-7{% endif %}">\n    {{ adherence.chart_svg }}\n'
    '  </div>\n  <div class="col-12{% if wide %} col-lg-5{% endif %}">\n'
    '    <div class="table-responsive">\n      <table class="table table-sm">\n'
    "        <caption>Adherence and pain per plan week</caption>\n"
    '        <thead><tr><th scope="col">Week</th><th scope="col">Sessions</th>'
    '<th scope="col">Adherence</th><th scope="col">Pain (worst, mean)</th></tr></thead>\n'
    "        <tbody>\n        {% adherence_rows series %}\n        </tbody>\n      </table>\n"
    "    </div>\n  </div>\n</div>\n{% else %}\n"
    '<p class="text-body-secondary">No weeks to show yet: the plan has not started.</p>\n'
    "{% endif %}\n{% endwith %}\n"
)
OLD_PLANS = Template(
    "{% load adherence_tags clinic_tags %}"
    "{% for adherence in plans %}\n"
    '        <h3 class="h6"><a href="{% uuid_url \'exercises:plan_detail\' adherence.plan.public_id %}">'
    "{{ adherence.plan.episode }}: plan version {{ adherence.plan.current_version.number }}</a>"
    " <span class=\"badge text-bg-{% if adherence.plan.status == 'active' %}success{% else %}"
    'secondary{% endif %}">{{ adherence.plan.get_status_display }}</span></h3>\n'
    '        {% if adherence.plan.is_held %}<p class="alert alert-danger py-2 plan-hold">On hold: '
    "{{ adherence.plan.hold_reason }}. <a href=\"{% uuid_url 'exercises:plan_resume' "
    'adherence.plan.public_id %}">Resume with a reason</a></p>{% endif %}\n'
    "        {% for entry in adherence.suggestions %}"
    '<p class="small mb-1 progress-suggestion"><strong>{{ entry.suggestion.label }}</strong> '
    "{{ entry.name }} (step {{ entry.step.number }} of {{ entry.step.of }}): "
    "{{ entry.suggestion.reason }} <a href=\"{% uuid_url 'exercises:plan_detail' "
    'adherence.plan.public_id %}#items-heading">Open the plan</a></p>{% endfor %}\n'
    "        " + OLD_INCLUDE + "\n      {% empty %}\n"
    '        <p class="text-body-secondary mb-0">No published exercise plan yet.</p>\n'
    "      {% endfor %}"
)
NEW_PLANS = Template("{% load adherence_tags %}{% plan_blocks plans %}")
NEW_INCLUDE = Template('{% include "exercises/includes/adherence.html" %}')
OLD_INCLUDE_TEMPLATE = Template("{% load adherence_tags %}" + OLD_INCLUDE)


def _plan(*, status, held, episode, version=3, series=(), suggestions=()):
    plan = SimpleNamespace(
        public_id=uuid.uuid4(),
        episode=episode,
        current_version=SimpleNamespace(number=version),
        status=status,
        get_status_display=lambda: status.capitalize(),
        is_held=held,
        hold_reason='pain <b>flare</b> & "swelling"' if held else "",
    )
    return SimpleNamespace(
        plan=plan,
        series=list(series),
        suggestions=list(suggestions),
        chart_svg=mark_safe('<svg role="img"><title>Adherence</title></svg>'),
    )


def _suggestion(name):
    return SimpleNamespace(
        name=name,
        step=SimpleNamespace(number=2, of=4),
        suggestion=SimpleNamespace(label="Progress", reason="Pain <3 & all sessions done"),
    )


def test_it_draws_the_plans_the_template_loop_drew():
    """Held and running plans, one not started yet, suggestions with markup in their text:
    the same markup as before, and what a clinician typed shows as text."""
    weeks = [_week(1, peak=4.0, complete=True), _week(2, peak=None, complete=False)]
    plans = [
        _plan(
            status="active",
            held=False,
            episode="Episode 2 (left)",
            series=weeks,
            suggestions=[_suggestion("Calf <raise>"), _suggestion("Bridge")],
        ),
        _plan(status="paused", held=True, episode="Episode <1> (right)", series=weeks),
        _plan(status="active", held=False, episode="Episode 3 (both)"),
    ]
    drawn = NEW_PLANS.render(Context({"plans": plans}))
    assert drawn == OLD_PLANS.render(Context({"plans": plans}))
    assert "Calf &lt;raise&gt;" in drawn
    assert "On hold: pain &lt;b&gt;flare&lt;/b&gt;" in drawn
    assert "the plan has not started" in drawn
    assert drawn.count("progress-suggestion") == 2
    assert NEW_PLANS.render(Context({"plans": []})) == OLD_PLANS.render(Context({"plans": []}))
    assert "No published exercise plan yet." in NEW_PLANS.render(Context({"plans": []}))


@pytest.mark.parametrize("wide", [True, False])
@pytest.mark.parametrize("started", [True, False])
def test_the_plan_pages_adherence_include_draws_what_it_drew(wide, started):
    weeks = [_week(1, peak=2.0, complete=True)] if started else []
    context = {"adherence": _plan(status="active", held=False, episode="E", series=weeks)}
    if wide:
        context["wide"] = True
    drawn = NEW_INCLUDE.render(Context(context))
    assert drawn == OLD_INCLUDE_TEMPLATE.render(Context(context))
    assert ("col-lg-7" in drawn) is (wide and started)
