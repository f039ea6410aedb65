"""The adherence table's rows are drawn in one step (`adherence_rows`): the same markup the
template loop drew, week by week, whatever the week holds."""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import Context, Template

from exercises.adherence import WeekStat
from exercises.templatetags.adherence_tags import adherence_rows

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
    '{{ week.pain_peak|floatformat:"-1" }}/10{% else %}—{% endif %}</td>\n'
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
    assert drawn.count("—") == 1
