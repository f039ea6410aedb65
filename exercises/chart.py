"""The adherence chart (`adherence.Chart`) drawn as SVG markup.

Drawn in Python rather than in a template: a chart is a few dozen elements with six numbers
each, and templating every number (variable lookup, localisation) cost more than the rest of
the patient page's panels together. The markup is the same the template drew.
"""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from exercises.adherence import Chart

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
