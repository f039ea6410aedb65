"""The trend page's content, from the series every app's `trends.py` gives: one small SVG line
chart per measure and the same figures as a table, with each reading's change against the one
before and against the first (read by `outcomes.change_reading`, the one place that says what
counts as a real change).

Plain Python, no queries. The chart is drawn in Python, as the adherence chart is
(exercises/chart.py): a few dozen elements, every value a number computed here or escaped.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import formats
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from assessments.outcomes import change_reading, slr_side_difference

#: Series shown first, in this order; any other series follows, by label.
KEY_ORDER = (
    "nprs_now",
    "nprs_worst_week",
    "lefs_score",
    "odi_percent",
    "psfs_mean",
    "fash_score",
    "slr_angle_affected_deg",
    "slr_angle_other_deg",
    "slump_knee_ext_deficit_deg",
    "knee_flexion_strength_pct",
)
#: Measures drawn on their whole scale; others (angles, strength) on the range of the data.
FIXED_SCALES = {
    "nprs_now": (0, 10),
    "nprs_worst_week": (0, 10),
    "lefs_score": (0, 80),
    "odi_percent": (0, 100),
    "psfs_mean": (0, 10),
    "fash_score": (0, 100),
}

WIDTH, HEIGHT = 320, 150
LEFT, RIGHT, TOP, BOTTOM = 40, 14, 12, 30


@dataclass(frozen=True)
class Change:
    amount: float | int | None
    reading: str

    @property
    def text(self) -> str:
        if self.amount is None:
            return ""
        sign = "+" if self.amount > 0 else ""
        return f"{sign}{_number(self.amount)}"


@dataclass(frozen=True)
class TrendRow:
    on: dt.date
    value: float | int | str
    source: str
    since_previous: Change | None
    since_first: Change | None
    note: str = ""


@dataclass
class Trend:
    key: str
    label: str
    rows: list[TrendRow] = field(default_factory=list)
    chart: SafeString | None = None

    @property
    def has_notes(self) -> bool:
        return any(row.note for row in self.rows)


def _number(value: float | int | Decimal) -> str:
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:.1f}"


def merge_series(collected: Iterable[list[dict]]) -> list[dict]:
    """Join the series of several apps by measure key (the first app's label wins), points
    oldest first (same-day points keep the order the apps gave them), known measures first."""
    merged: dict[str, dict] = {}
    for series_list in collected:
        for series in series_list:
            found = merged.setdefault(
                series["key"], {"key": series["key"], "label": series["label"], "points": []}
            )
            found["points"].extend(series["points"])
    for series in merged.values():
        series["points"].sort(key=lambda point: point["on"])
    order = {key: rank for rank, key in enumerate(KEY_ORDER)}
    return sorted(
        merged.values(),
        key=lambda series: (order.get(series["key"], len(order)), series["label"]),
    )


def _numeric(value) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _change(key: str, before, now) -> Change | None:
    if not (_numeric(before) and _numeric(now)):
        return None
    amount = Decimal(str(now)) - Decimal(str(before))
    return Change(amount=float(amount), reading=change_reading(key, before, now))


def _side_notes(series_by_key: dict[str, dict]) -> dict[tuple, str]:
    """The SLR side difference for each affected-side reading whose other side was measured
    at the same visit (same day and source)."""
    other = series_by_key.get("slr_angle_other_deg")
    if other is None:
        return {}
    others = {(point["on"], point["source"]): point["value"] for point in other["points"]}
    return {
        (point["on"], point["source"]): slr_side_difference(
            point["value"], others[(point["on"], point["source"])]
        )
        for point in series_by_key["slr_angle_affected_deg"]["points"]
        if (point["on"], point["source"]) in others
    }


def trends(series_list: list[dict], *, id_prefix: str = "trend") -> list[Trend]:
    """Each merged series (`merge_series`) as a chart and table rows."""
    by_key = {series["key"]: series for series in series_list}
    notes = _side_notes(by_key) if "slr_angle_affected_deg" in by_key else {}
    found = []
    for index, series in enumerate(series_list):
        key, points = series["key"], series["points"]
        rows = []
        for position, point in enumerate(points):
            first = points[0]["value"]
            previous = points[position - 1]["value"] if position else None
            rows.append(
                TrendRow(
                    on=point["on"],
                    value=point["value"],
                    source=point["source"],
                    since_previous=_change(key, previous, point["value"]) if position else None,
                    since_first=_change(key, first, point["value"]) if position else None,
                    note=notes.get((point["on"], point["source"]), "")
                    if key == "slr_angle_affected_deg"
                    else "",
                )
            )
        trend = Trend(key=key, label=series["label"], rows=rows)
        trend.chart = chart_svg(trend, title_id=f"{id_prefix}-{index}-title")
        found.append(trend)
    return found


def _scale(key: str, values: list[float]) -> tuple[float, float]:
    """The whole scale of an outcome measure; otherwise the data's range, widened to the next
    ten either side (never below zero for a measure that cannot be negative)."""
    if key in FIXED_SCALES:
        return FIXED_SCALES[key]
    low = math.floor(min(values) / 10) * 10 - 10
    high = math.ceil(max(values) / 10) * 10 + 10
    return (max(low, 0) if min(values) >= 0 else low), high


def chart_svg(trend: Trend, *, title_id: str) -> SafeString | None:
    """The series as a small accessible line chart (its title names it; the table beside it
    gives the figures). None when no reading is a number."""
    points = [(row.on, float(row.value)) for row in trend.rows if _numeric(row.value)]
    if not points:
        return None
    low, high = _scale(trend.key, [value for _, value in points])
    first, last = points[0][0], points[-1][0]
    span = (last - first).days
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(on: dt.date) -> float:
        if span == 0:
            return LEFT + plot_w / 2
        return round(LEFT + (on - first).days / span * plot_w, 1)

    def y(value: float) -> float:
        return round(TOP + (high - value) / (high - low) * plot_h, 1)

    first_text = formats.date_format(first, "j M Y")
    last_text = formats.date_format(last, "j M Y")
    title = (
        f"{trend.label}: {len(points)} reading{'s' if len(points) != 1 else ''}"
        f" from {first_text} to {last_text}. The table gives the figures."
    )
    title_id = escape(title_id)
    parts = [
        f'<svg class="trend-chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img"'
        f' aria-labelledby="{title_id}" focusable="false">',
        f'<title id="{title_id}">{escape(title)}</title>',
    ]
    for tick in (low, (low + high) / 2, high):
        tick_y = y(tick)
        parts.append(
            f'<line class="chart-grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{tick_y}"'
            f' y2="{tick_y}"></line><text class="chart-label" x="{LEFT - 6}" y="{tick_y}"'
            f' text-anchor="end" dominant-baseline="middle">{_number(tick)}</text>'
        )
    coordinates = [(x(on), y(value)) for on, value in points]
    if len(coordinates) > 1:
        line = " ".join(f"{px},{py}" for px, py in coordinates)
        parts.append(f'<polyline class="chart-line" points="{line}"></polyline>')
    parts.extend(
        f'<circle class="chart-dot" cx="{px}" cy="{py}" r="4"></circle>' for px, py in coordinates
    )
    parts.append(
        f'<text class="chart-label" x="{LEFT}" y="{HEIGHT - 8}">'
        f"{escape(formats.date_format(first, 'j M'))}</text>"
    )
    if span:
        parts.append(
            f'<text class="chart-label" x="{WIDTH - RIGHT}" y="{HEIGHT - 8}"'
            f' text-anchor="end">{escape(formats.date_format(last, "j M"))}</text>'
        )
    parts.append("</svg>")
    return mark_safe("\n".join(parts))  # noqa: S308  # nosec B308 B703 (numbers or escaped)
