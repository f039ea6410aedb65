"""The adherence chart (`adherence.Chart`) drawn as SVG markup.

Drawn in Python rather than in a template: a chart is a few dozen elements with six numbers
each, and templating every number (variable lookup, localisation) cost more than the rest of
the patient page's panels together. The markup is the same the template drew.
"""

from __future__ import annotations

import functools
import html

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from exercises.adherence import CHART_WEEKS, Chart

TITLE = (
    "Adherence (bars, % of prescribed sessions) and average pain (line, 0 to 10) per plan"
    " week; the table gives the same figures."
)
# The en dash as a numeric character reference (an SVG drawn on its own knows no named ones),
# so the page stays ASCII where its data is.
KEY = "Bars: sessions done (%). Line: average worst pain (right axis, 0&#8211;10)."


def chart_svg(chart: Chart, *, title_id: str) -> SafeString:
    """The chart as an accessible SVG image (its title names it; the table beside it gives
    the figures). Every value is a number from `chart_for` or escaped."""
    width, height = chart.width, chart.height
    title_id = escape(title_id)
    parts = [
        f'<svg class="adherence-chart" viewBox="0 0 {width} {height}" role="img"'
        f' aria-labelledby="{title_id}" focusable="false">',
        f'<title id="{title_id}">{escape(TITLE)}</title>',
    ]
    for tick in chart.y_ticks:
        y = tick["y"]
        parts.append(
            f'<line class="chart-grid" x1="40" x2="{width - 40}" y1="{y}" y2="{y}"></line>'
            f'<text class="chart-label" x="34" y="{y}" text-anchor="end"'
            f' dominant-baseline="middle">{tick["percent"]}%</text>'
            f'<text class="chart-label chart-label-pain" x="{width - 34}" y="{y}"'
            f' text-anchor="start" dominant-baseline="middle">{tick["pain"]}</text>'
        )
    for bar in chart.bars:
        low = " chart-bar-low" if bar["week"].adherence_percent < 50 else ""
        parts.append(
            f'<rect class="chart-bar{low}" x="{bar["x"]}" y="{bar["y"]}"'
            f' width="{bar["width"]}" height="{bar["height"]}"></rect>'
            f'<text class="chart-label" x="{bar["label_x"]}" y="{height - 22}"'
            f' text-anchor="middle">W{bar["week"].number}</text>'
        )
    if chart.pain_points:
        parts.append(f'<polyline class="chart-line" points="{chart.pain_points}"></polyline>')
    parts.extend(
        f'<circle class="chart-dot" cx="{dot["cx"]}" cy="{dot["cy"]}" r="4"></circle>'
        for dot in chart.pain_dots
    )
    parts.append(f'<text class="chart-label" x="40" y="{height - 4}">{KEY}</text></svg>')
    return mark_safe("\n".join(parts))  # noqa: S308  # nosec B308 B703 (numbers or escaped)


# --- The same markup straight from the weeks, its pieces kept per process ----------------------
# The patient page draws a chart for every plan on every view: building `chart_for`'s
# coordinates (a dict and five rounded floats a week) and printing each float was most of the
# plans panel's own work. A bar's coordinates across depend only on its place among the weeks
# shown, those up and down only on its adherence; a dot's likewise on its place and on the
# pain. Each half is kept on its own (some eighty places, a hundred and one percentages, the
# pains' few values): kept whole, a bar's combinations of place and percentage outnumbered the
# cache, and the views of patients a worker had not drawn yet printed their floats afresh.
_WIDTH, _HEIGHT, _LEFT, _TOP, _BOTTOM = 640, 240, 40, 16, 40
_PLOT = _HEIGHT - _TOP - _BOTTOM


@functools.lru_cache(maxsize=512)
def _across(index: int, count: int) -> tuple[str, str, str, str]:
    """A week's bar's `x` and `width`, its label's `x` and its dot's `cx`, as `chart_svg`
    prints them."""
    slot = (_WIDTH - _LEFT - 40) / max(count, 1)
    x = _LEFT + index * slot
    return (
        f"{round(x + slot * 0.2, 1)}",
        f"{round(slot * 0.6, 1)}",
        f"{round(x + slot / 2, 1)}",
        f"{round(_LEFT + index * slot + slot / 2, 1)}",
    )


@functools.lru_cache(maxsize=1024)
def _up(percent: int) -> tuple[str, str, str]:
    """A bar's class for its adherence, its `y` and `height`, as `chart_svg` prints them."""
    bar_height = _PLOT * percent / 100
    return (
        " chart-bar-low" if percent < 50 else "",
        f"{round(_TOP + _PLOT - bar_height, 1)}",
        f"{round(bar_height, 1)}",
    )


@functools.lru_cache(maxsize=1024, typed=True)
def _cy(pain) -> str:
    """A dot's `cy` for its pain (typed: 4, 4.0 and Decimal("4.0") are one key to an untyped
    cache, yet print differently)."""
    return f"{round(_TOP + _PLOT * (1 - pain / 10), 1)}"


def _head(title_id: str) -> list[str]:
    """The chart's opening, title and grid: `chart_svg`'s, fixed but for the title's id."""
    width, height, top = _WIDTH, _HEIGHT, _TOP
    parts = [
        f'<svg class="adherence-chart" viewBox="0 0 {width} {height}" role="img"'
        f' aria-labelledby="{title_id}" focusable="false">',
        f'<title id="{title_id}">{escape(TITLE)}</title>',
    ]
    for fraction in (0, 0.5, 1):
        y = round(top + _PLOT * (1 - fraction), 1)
        parts.append(
            f'<line class="chart-grid" x1="40" x2="{width - 40}" y1="{y}" y2="{y}"></line>'
            f'<text class="chart-label" x="34" y="{y}" text-anchor="end"'
            f' dominant-baseline="middle">{int(fraction * 100)}%</text>'
            f'<text class="chart-label chart-label-pain" x="{width - 34}" y="{y}"'
            f' text-anchor="start" dominant-baseline="middle">{int(fraction * 10)}</text>'
        )
    return parts


# `_head` around a marker the title's id cannot hold (it is escaped first): the opening up to
# the first id, between the two ids, and the title and grid after the second, worked out once.
_MARK = "<>"
_OPEN, _BETWEEN, _GRID = "\n".join(_head(_MARK)).split(_MARK)
_TAIL = f'<text class="chart-label" x="40" y="{_HEIGHT - 4}">{KEY}</text></svg>'


def series_svg(series, *, title_id: str) -> SafeString:
    """`chart_svg(chart_for(series), title_id=title_id)`, drawn from the weeks in one step
    (a test holds them together)."""
    weeks = series[-CHART_WEEKS:]
    count = len(weeks)
    title_id = html.escape(str(title_id))  # `escape`'s text, without its lazy-string wrapper
    parts = [f"{_OPEN}{title_id}{_BETWEEN}{title_id}{_GRID}"]
    points, circles = [], []
    for index, week in enumerate(weeks):
        x, width, label_x, cx = _across(index, count)
        low, y, height = _up(week.adherence_percent)
        parts.append(
            f'<rect class="chart-bar{low}" x="{x}" y="{y}" width="{width}" height="{height}">'
            f'</rect><text class="chart-label" x="{label_x}" y="{_HEIGHT - 22}"'
            f' text-anchor="middle">W{week.number}</text>'
        )
        pain = week.pain_peak
        if pain is not None:
            cy = _cy(pain)
            points.append(f"{cx},{cy}")
            circles.append(f'<circle class="chart-dot" cx="{cx}" cy="{cy}" r="4"></circle>')
    if points:
        parts.append(f'<polyline class="chart-line" points="{" ".join(points)}"></polyline>')
    parts.extend(circles)
    parts.append(_TAIL)
    return mark_safe("\n".join(parts))  # noqa: S308  # nosec B308 B703 (numbers or escaped)
