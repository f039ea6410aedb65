"""Adherence and pain per plan week, and the alerts a therapist should see: pure Python.

Rules (all dates are the patient's local dates; a session's pain is the worse of its two
scores, during or after the exercises):

* a plan week starts on the plan's start date and lasts seven days;
* adherence is counted per prescribed exercise on the days it is due: its own days
  (exercises.schedule; items published before items had days: its days per week, else the
  plan's sessions per week); a week's adherence
  is, summed over the exercises, the times each was done that week (at most the times it was
  due) against the times all were due. Doing one exercise of three is a third of a day, not a
  day;
* pain for a week is the mean of each session's pain;
* "pain up": the latest week with logs is 2 or more points above the first week with logs;
* "low adherence": the latest completed week is under 50%;
* "no log": seven days or more since the last log (or since the start, if there is none).

Alerts about single sessions (`session_alerts`), one per session log at most, so each has a
stable identity (kind and log date) and acknowledging one never hides a later one:

* "painful session": pain at 7/10 or more, or 3 or more points above the recent median. The
  recent median is the median pain of the previous (up to) 10 logged sessions within the 28
  days before the session; with fewer than 3 such sessions there is no median and only the
  7/10 rule applies;
* "pain all week": every session logged in 7 consecutive days (the session's day and the six
  before) at 5/10 or more, with at least 3 sessions logged in those days. It fires on the first
  session that completes such a week and not again until a week stops qualifying (a session
  under 5, or fewer than 3 in the week): one alert per spell, whose sessions each still raise a
  painful-session alert at 7/10 or more;
* "worse next morning": the patient said they were worse the morning after a session, and had
  said so on another log in the six days before (twice in seven days); each further report
  within seven days of the one before raises another;
* "lasting pins and needles" (and urgent symptoms) come from the patient's reports and are
  built by the selectors in the same `Alert` shape.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from exercises import schedule

PAIN_RISE_ALERT = 2
ADHERENCE_ALERT_PERCENT = 50
NO_LOG_ALERT_DAYS = 7
SESSION_PAIN_ALERT = 7
MEDIAN_RISE_ALERT = 3
MEDIAN_SESSIONS = 10
MEDIAN_MIN_SESSIONS = 3
MEDIAN_DAYS = 28
WEEK_PAIN_ALERT = 5
WEEK_PAIN_MIN_SESSIONS = 3
WORSE_MORNING_DAYS = 7
CHART_WEEKS = 12


class WeekStat(NamedTuple):
    """One plan week as the panel draws it (a tuple: the patient page makes one for every week
    of every plan on each view)."""

    week_start: dt.date
    number: int
    sessions_logged: int
    sessions_prescribed: int
    doses_done: int
    doses_due: int
    pain_during: float | None
    pain_after: float | None
    pain_peak: float | None
    complete: bool

    @property
    def adherence_percent(self) -> int:
        if not self.doses_due:
            return 0
        return round(100 * min(self.doses_done, self.doses_due) / self.doses_due)


@dataclass(frozen=True)
class Alert:
    """Why a therapist should look (`message`, a plain sentence with the numbers). `kind` and
    `period` (a week's start or a log's date) identify it; `logs_from`..`logs_to` are the days
    of the session logs behind it (None when there are none, e.g. nothing logged)."""

    kind: str
    period: dt.date
    message: str
    logs_from: dt.date | None = None
    logs_to: dt.date | None = None


def doses_due(
    *,
    items: Sequence[Mapping],
    sessions_per_week: int,
    plan_start: dt.date | None = None,
    week_start: dt.date | None = None,
    end_date: dt.date | None = None,
) -> dict[str, int | frozenset[dt.date]]:
    """When each exercise of a published version is due in one plan week.

    Given the plan's start and the week's, an item with days (exercises.schedule) maps to the
    dates it is due that week (none after the plan's end). Otherwise, and for items published
    before items had days, it maps to a number of times: its own days per week, else the
    version's sessions per week."""
    due: dict[str, int | frozenset[dt.date]] = {}
    for item in items:
        if item.get("schedule") and plan_start and week_start:
            last = week_start + dt.timedelta(days=6)
            due[item["key"]] = schedule.due_dates(
                item, plan_start, week_start, min(last, end_date) if end_date else last
            )
        else:
            due[item["key"]] = (item.get("dose") or {}).get("days_per_week") or sessions_per_week
    return due


def week_doses(
    *, due: Mapping[str, int | Collection[dt.date]], done_on: Mapping[dt.date, Collection[str]]
) -> tuple[int, int]:
    """(done, due) for one week: per exercise, the times done (at most the times due), summed.

    `due` maps each exercise's code to the times it is due this week, or to the dates it is due
    (then only those days count); `done_on` maps each logged day to the codes done that day.
    """
    done_total = due_total = 0
    for code, when in due.items():
        if isinstance(when, int):
            times, done = when, sum(1 for codes in done_on.values() if code in codes)
        else:
            times = len(when)
            done = sum(1 for day, codes in done_on.items() if day in when and code in codes)
        due_total += times
        done_total += min(done, times)
    return done_total, due_total


#: What `week_series` reads of a plan week (exercises.models.PlanWeek), as the patient page
#: reads the weeks: values, without a model instance each.
WEEK_COLUMNS = (
    "plan_id",
    "week_start",
    "sessions_logged",
    "sessions_prescribed",
    "pain_count",
    "pain_during_sum",
    "pain_after_sum",
    "pain_peak_sum",
    "doses_done",
    "doses_due",
)


class WeekRow(NamedTuple):
    """A plan week's totals read as values (`WEEK_COLUMNS`), with the pain means as
    `PlanWeek` gives them (a tuple: the patient page makes one for every plan week a view,
    and a frozen dataclass's `__init__` set each field by a call of its own)."""

    plan_id: int
    week_start: dt.date
    sessions_logged: int
    sessions_prescribed: int
    doses_done: int
    doses_due: int
    pain_during_mean: float | None
    pain_after_mean: float | None
    pain_peak_mean: float | None

    @classmethod
    def of(cls, row: dict) -> WeekRow:
        count = row["pain_count"]
        return cls(
            row["plan_id"],
            row["week_start"],
            row["sessions_logged"],
            row["sessions_prescribed"],
            row["doses_done"],
            row["doses_due"],
            round(row["pain_during_sum"] / count, 1) if count else None,
            round(row["pain_after_sum"] / count, 1) if count else None,
            round(row["pain_peak_sum"] / count, 1) if count else None,
        )


_WEEK = dt.timedelta(days=7)


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
    week_start = start_date
    for number in range(1, (last_day - start_date).days // 7 + 2):
        row = rows.get(week_start)
        complete = week_start + _WEEK <= today
        if row:
            week = WeekStat(
                week_start,
                number,
                row.sessions_logged,
                row.sessions_prescribed,
                row.doses_done,
                row.doses_due,
                row.pain_during_mean,
                row.pain_after_mean,
                row.pain_peak_mean,
                complete,
            )
        else:
            week = WeekStat(
                week_start, number, 0, sessions_per_week, 0, 0, None, None, None, complete
            )
        series.append(week)
        week_start += _WEEK
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
                    latest.week_start,
                    min(today, latest.week_start + dt.timedelta(days=6)),
                )
            )
    complete = [week for week in series if week.complete]
    if complete and complete[-1].adherence_percent < ADHERENCE_ALERT_PERCENT:
        week = complete[-1]
        alerts.append(
            Alert(
                "low_adherence",
                week.week_start,
                f"Week {week.number}: {min(week.doses_done, week.doses_due)} of the "
                f"{week.doses_due} exercises due were done ({week.adherence_percent}%).",
                week.week_start,
                week.week_start + dt.timedelta(days=6),
            )
        )
    reference = last_logged_on or start_date
    silent_days = (today - reference).days
    if silent_days >= NO_LOG_ALERT_DAYS:
        since = f"since {last_logged_on:%d %b}" if last_logged_on else "since the plan started"
        alerts.append(
            Alert(
                "no_log",
                reference,
                f"No session logged for {silent_days} days ({since}).",
                last_logged_on,
                last_logged_on,
            )
        )
    return alerts


class LogFacts(NamedTuple):
    """What the session alerts need from one session log (a tuple: built by the thousand)."""

    date: dt.date
    pain_during: int
    pain_after: int
    worse_next_morning: bool | None = None

    @property
    def pain(self) -> int:
        return max(self.pain_during, self.pain_after)

    @property
    def pain_words(self) -> str:
        when = "after" if self.pain_after >= self.pain_during else "during"
        return f"Pain {self.pain}/10 {when} exercise on {self.date:%-d %b}"


def recent_median(pains: Sequence[int], dates: Sequence[dt.date], index: int) -> float | None:
    """The median pain of the (up to) MEDIAN_SESSIONS sessions logged in the MEDIAN_DAYS before
    session `index`, or None with fewer than MEDIAN_MIN_SESSIONS. Sessions in date order."""
    first_day = dates[index] - dt.timedelta(days=MEDIAN_DAYS)
    start = max(0, index - MEDIAN_SESSIONS)
    while start < index and dates[start] < first_day:
        start += 1
    if index - start < MEDIAN_MIN_SESSIONS:
        return None
    return statistics.median(pains[start:index])


def _painful_session(log: LogFacts, median: float | None) -> Alert | None:
    above = log.pain - median if median is not None else None
    if log.pain < SESSION_PAIN_ALERT and (above is None or above < MEDIAN_RISE_ALERT):
        return None
    if above is None:
        why = f"{log.pain_words}."
    elif above > 0:
        points = "point" if above == 1 else "points"
        why = f"{log.pain_words}, {above:g} {points} above the recent median of {median:g}."
    else:
        why = f"{log.pain_words} (recent median {median:g})."
    return Alert("pain_session", log.date, why, log.date, log.date)


def session_alerts(*, logs: Sequence[LogFacts], since: dt.date) -> list[Alert]:
    """Alerts about the sessions logged on or after `since` (see the module's rules).

    `logs` are one plan's, one per day, in any order; they should reach MEDIAN_DAYS before
    `since` so the first sessions have their median and their week.
    """
    logs = sorted(logs, key=lambda log: log.date)
    dates = [log.date for log in logs]
    pains = [log.pain for log in logs]
    alerts = []
    # The week ending with each session: logs[week_start:index + 1], and how many of its
    # sessions are under WEEK_PAIN_ALERT; the last earlier session worse the next morning.
    week_start = low_in_week = 0
    painful_before = False
    worse_before: LogFacts | None = None
    for index, log in enumerate(logs):
        low_in_week += pains[index] < WEEK_PAIN_ALERT
        while dates[week_start] < dates[index] - dt.timedelta(days=6):
            low_in_week -= pains[week_start] < WEEK_PAIN_ALERT
            week_start += 1
        painful = index - week_start + 1 >= WEEK_PAIN_MIN_SESSIONS and not low_in_week
        fires, painful_before = painful and not painful_before, painful
        worse_within_week = (
            worse_before if worse_before and worse_before.date >= dates[week_start] else None
        )
        if log.worse_next_morning:
            worse_before = log
        if log.date < since:
            continue
        # No median is low enough for pain under MEDIAN_RISE_ALERT to be that far above it.
        median = recent_median(pains, dates, index) if log.pain >= MEDIAN_RISE_ALERT else None
        alert = _painful_session(log, median)
        if alert:
            alerts.append(alert)
        if fires:
            alerts.append(
                Alert(
                    "pain_week",
                    log.date,
                    f"Pain {WEEK_PAIN_ALERT}/10 or more at all {index - week_start + 1} "
                    f"sessions logged from {dates[week_start]:%-d %b} to {log.date:%-d %b} "
                    f"(highest {max(pains[week_start : index + 1])}/10).",
                    dates[week_start],
                    log.date,
                )
            )
        if log.worse_next_morning and worse_within_week:
            alerts.append(
                Alert(
                    "worse_morning",
                    log.date,
                    f"Worse the morning after exercise twice in {WORSE_MORNING_DAYS} days: "
                    f"said so on {worse_within_week.date:%-d %b} and on {log.date:%-d %b}.",
                    worse_within_week.date,
                    log.date,
                )
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
