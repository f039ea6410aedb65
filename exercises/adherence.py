"""Adherence and pain per plan week, and the alerts a therapist should see: pure Python.

Rules (all dates are the patient's local dates):

* a plan week starts on the plan's start date and lasts seven days;
* adherence for a week is the days logged with at least one exercise done, against the sessions
  prescribed per week (capped at 100%);
* pain for a week is the mean of each session's worse score (during or after);
* "pain up": the latest week with logs is 2 or more points above the first week with logs;
* "low adherence": the latest completed week is under 50%;
* "no log": seven days or more since the last log (or since the start, if there is none).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

PAIN_RISE_ALERT = 2
ADHERENCE_ALERT_PERCENT = 50
NO_LOG_ALERT_DAYS = 7
CHART_WEEKS = 12


@dataclass(frozen=True)
class WeekStat:
    week_start: dt.date
    number: int
    sessions_logged: int
    sessions_prescribed: int
    pain_during: float | None
    pain_after: float | None
    pain_peak: float | None
    complete: bool

    @property
    def adherence_percent(self) -> int:
        if not self.sessions_prescribed:
            return 0
        logged = min(self.sessions_logged, self.sessions_prescribed)
        return round(100 * logged / self.sessions_prescribed)


@dataclass(frozen=True)
class Alert:
    kind: str
    period: dt.date
    message: str


def week_series(
    *,
    start_date: dt.date,
    today: dt.date,
    end_date: dt.date | None,
    rows: Mapping[dt.date, object],
    sessions_per_week: int,
) -> list[WeekStat]:
    """Every plan week from the start up to today (or the end date), with empty weeks as zero."""
    last_day = min(today, end_date) if end_date else today
    if last_day < start_date:
        return []
    series = []
    for number in range((last_day - start_date).days // 7 + 1):
        week_start = start_date + dt.timedelta(days=7 * number)
        row = rows.get(week_start)
        series.append(
            WeekStat(
                week_start=week_start,
                number=number + 1,
                sessions_logged=row.sessions_logged if row else 0,
                sessions_prescribed=row.sessions_prescribed if row else sessions_per_week,
                pain_during=row.pain_during_mean if row else None,
                pain_after=row.pain_after_mean if row else None,
                pain_peak=row.pain_peak_mean if row else None,
                complete=week_start + dt.timedelta(days=7) <= today,
            )
        )
    return series


def plan_alerts(
    *,
    series: list[WeekStat],
    today: dt.date,
    start_date: dt.date,
    last_logged_on: dt.date | None,
) -> list[Alert]:
    alerts = []
    with_pain = [week for week in series if week.pain_peak is not None]
    if len(with_pain) >= 2:
        first, latest = with_pain[0], with_pain[-1]
        rise = latest.pain_peak - first.pain_peak
        if rise >= PAIN_RISE_ALERT:
            alerts.append(
                Alert(
                    "pain_up",
                    latest.week_start,
                    f"Pain up {rise:g} points since week {first.number} "
                    f"({first.pain_peak:g} → {latest.pain_peak:g}/10).",
                )
            )
    complete = [week for week in series if week.complete]
    if complete and complete[-1].adherence_percent < ADHERENCE_ALERT_PERCENT:
        week = complete[-1]
        alerts.append(
            Alert(
                "low_adherence",
                week.week_start,
                f"Week {week.number}: {week.sessions_logged} of {week.sessions_prescribed} "
                f"sessions logged ({week.adherence_percent}%).",
            )
        )
    reference = last_logged_on or start_date
    silent_days = (today - reference).days
    if silent_days >= NO_LOG_ALERT_DAYS:
        since = f"since {last_logged_on:%d %b}" if last_logged_on else "since the plan started"
        alerts.append(
            Alert("no_log", reference, f"No session logged for {silent_days} days ({since}).")
        )
    return alerts


@dataclass(frozen=True)
class Chart:
    """Coordinates for the server-drawn SVG: adherence bars and a pain line."""

    width: int
    height: int
    bars: list[dict]
    pain_points: str
    pain_dots: list[dict]
    y_ticks: list[dict]


def chart_for(series: list[WeekStat]) -> Chart:
    weeks = series[-CHART_WEEKS:]
    width, height, left, top, bottom = 640, 240, 40, 16, 40
    plot_height = height - top - bottom
    slot = (width - left - 40) / max(len(weeks), 1)
    bars, dots = [], []
    for index, week in enumerate(weeks):
        x = left + index * slot
        bar_height = plot_height * week.adherence_percent / 100
        bars.append(
            {
                "x": round(x + slot * 0.2, 1),
                "y": round(top + plot_height - bar_height, 1),
                "width": round(slot * 0.6, 1),
                "height": round(bar_height, 1),
                "label_x": round(x + slot / 2, 1),
                "week": week,
            }
        )
        if week.pain_peak is not None:
            dots.append(
                {
                    "cx": round(x + slot / 2, 1),
                    "cy": round(top + plot_height * (1 - week.pain_peak / 10), 1),
                    "week": week,
                }
            )
    ticks = [
        {
            "y": round(top + plot_height * (1 - fraction), 1),
            "percent": int(fraction * 100),
            "pain": int(fraction * 10),
        }
        for fraction in (0, 0.5, 1)
    ]
    return Chart(
        width=width,
        height=height,
        bars=bars,
        pain_points=" ".join(f"{dot['cx']},{dot['cy']}" for dot in dots),
        pain_dots=dots,
        y_ticks=ticks,
    )
