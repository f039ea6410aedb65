"""Small pieces for drawing HTML in Python (the hot pages' rows and cards drawn in one step).

`escape` is `django.utils.html.conditional_escape` without its lazy-string wrapper (a card of
twenty values paid it twenty times); `day_month` and `hour_minute` write a date as the
template filters `date:"l j F"` and `time:"H:i"` do (the same translated day and month names),
without the format machinery's per-character walk.
"""

from __future__ import annotations

import datetime as dt
import html

from django.utils.dates import MONTHS, WEEKDAYS


def escape(value) -> str:
    """What `conditional_escape(value)` returns: safe HTML as it is, anything else as text."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def day_month(value: dt.date) -> str:
    """e.g. "Monday 7 December", as `{{ value|date:"l j F" }}` (a datetime in the zone it is
    given in: convert it first)."""
    return f"{WEEKDAYS[value.weekday()]} {value.day} {MONTHS[value.month]}"


def hour_minute(value: dt.datetime) -> str:
    """e.g. "09:30", as `{{ value|time:"H:i" }}`."""
    return f"{value.hour:02d}:{value.minute:02d}"
