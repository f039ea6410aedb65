"""The patient page draws each plan's adherence chart straight from its weeks
(`exercises.chart.series_svg`, its bars and dots kept per process): the same markup as the
chart's coordinates drawn by `chart_svg`, whatever the weeks hold."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from exercises.adherence import CHART_WEEKS, WeekStat, chart_for
from exercises.chart import chart_svg, series_svg

PAINS = st.one_of(
    st.none(),
    st.floats(min_value=0, max_value=10, allow_nan=False).map(lambda pain: round(pain, 1)),
    st.integers(min_value=0, max_value=10),
    st.decimals(min_value=0, max_value=10, places=1),
)


@st.composite
def series(draw):
    weeks = []
    for number in range(1, draw(st.integers(min_value=0, max_value=CHART_WEEKS + 4)) + 1):
        due = draw(st.integers(min_value=0, max_value=21))
        weeks.append(
            WeekStat(
                week_start=dt.date(2026, 1, 5) + dt.timedelta(days=7 * (number - 1)),
                number=number,
                sessions_logged=0,
                sessions_prescribed=7,
                doses_done=draw(st.integers(min_value=0, max_value=25)),
                doses_due=due,
                pain_during=None,
                pain_after=None,
                pain_peak=draw(PAINS),
                complete=True,
            )
        )
    return weeks


@given(series(), st.sampled_from(["chart-title-1", 'chart-"<x>"']))
def test_it_draws_what_the_charts_coordinates_draw(weeks, title_id):
    assert series_svg(weeks, title_id=title_id) == chart_svg(chart_for(weeks), title_id=title_id)


def test_it_keeps_a_dots_pain_apart_from_an_equal_pain_of_another_kind():
    """4, 4.0 and Decimal("4.0") are equal keys to a cache, yet print differently."""
    for pain in (4.0, 4, Decimal("4.0"), 4.0):
        week = WeekStat(dt.date(2026, 1, 5), 1, 0, 7, 3, 7, None, None, pain, True)
        assert series_svg([week], title_id="t") == chart_svg(chart_for([week]), title_id="t")
