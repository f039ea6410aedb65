"""The adherence chart (`adherence.Chart`) drawn as SVG markup.

Drawn in Python rather than in a template: a chart is a few dozen elements with six numbers
each, and templating every number (variable lookup, localisation) cost more than the rest of
the patient page's panels together. The markup is the same the template drew.
"""

from __future__ import annotations

import functools

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from exercises.adherence import CHART_WEEKS, Chart

TITLE = (
    "Adherence (bars, % of prescribed sessions) and average pain (line, 0 to 10) per plan"
    " week; the table gives the same figures."
)
KEY = "Bars: sessions done (%). Line: average worst pain (right axis, 0\u201310)."


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
    parts.append(f'<text class="chart-label" x="40" y="{height - 4}">{escape(KEY)}</text></svg>')
    return mark_safe("\n".join(parts))  # noqa: S308  # nosec B308 B703 (numbers or escaped)


# --- The same markup straight from the weeks, its pieces kept per process ----------------------
# The patient page draws a chart for every plan on every view: building `chart_for`'s
# coordinates (a dict and five rounded floats a week) and printing each float was most of the
# plans panel's own work. A bar's markup depends only on its place among the weeks shown, its
# adherence and its number, a dot's on its place and the pain; both recur across patients.
_WIDTH, _HEIGHT, _LEFT, _TOP, _BOTTOM = 640, 240, 40, 16, 40
_PLOT = _HEIGHT - _TOP - _BOTTOM


@functools.lru_cache(maxsize=4096)
def _bar(index: int, count: int, percent: int, number: int) -> str:
    slot = (_WIDTH - _LEFT - 40) / max(count, 1)
    x = _LEFT + index * slot
    bar_height = _PLOT * percent / 100
    low = " chart-bar-low" if percent < 50 else ""
    return (
        f'<rect class="chart-bar{low}" x="{round(x + slot * 0.2, 1)}"'
        f' y="{round(_TOP + _PLOT - bar_height, 1)}"'
        f' width="{round(slot * 0.6, 1)}" height="{round(bar_height, 1)}"></rect>'
        f'<text class="chart-label" x="{round(x + slot / 2, 1)}" y="{_HEIGHT - 22}"'
        f' text-anchor="middle">W{number}</text>'
    )


@functools.lru_cache(maxsize=4096, typed=True)
def _dot(index: int, count: int, pain) -> tuple[str, str]:
    """The dot's point on the line ("cx,cy") and its circle."""
    slot = (_WIDTH - _LEFT - 40) / max(count, 1)
    cx = round(_LEFT + index * slot + slot / 2, 1)
    cy = round(_TOP + _PLOT * (1 - pain / 10), 1)
    return f"{cx},{cy}", f'<circle class="chart-dot" cx="{cx}" cy="{cy}" r="4"></circle>'


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


_TAIL = f'<text class="chart-label" x="40" y="{_HEIGHT - 4}">{escape(KEY)}</text></svg>'


def series_svg(series, *, title_id: str) -> SafeString:
    """`chart_svg(chart_for(series), title_id=title_id)`, drawn from the weeks in one step
    (a test holds them together)."""
    weeks = series[-CHART_WEEKS:]
    count = len(weeks)
    parts = _head(escape(title_id))
    dots = []
    for index, week in enumerate(weeks):
        parts.append(_bar(index, count, week.adherence_percent, week.number))
        if week.pain_peak is not None:
            dots.append(_dot(index, count, week.pain_peak))
    if dots:
        points = " ".join(point for point, _ in dots)
        parts.append(f'<polyline class="chart-line" points="{points}"></polyline>')
    parts.extend(circle for _, circle in dots)
    parts.append(_TAIL)
    return mark_safe("\n".join(parts))  # noqa: S308  # nosec B308 B703 (numbers or escaped)
