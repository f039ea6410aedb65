"""Dates and times drawn as the templates' `date` and `time` filters draw them, for rows drawn
in Python (`format_html_join`).

Each filter call finds the active language's format, builds a formatter and looks up the
month's or day's translated name: 40-80 us, and a patient page draws some fifty dates. The text
depends only on the value, the format and the language, so it is kept per process (the same
days and times recur across rows and pages); it is the filters' own text, not a copy of their
rules. An aware datetime is first put in the time zone the template would draw it in (the
current one, or `zone` when the caller has it at hand).
"""

from __future__ import annotations

import datetime as dt
import functools

from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import time as time_filter
from django.utils import timezone
from django.utils.translation import get_language

# Format letters that print the time zone or the instant: with these the naive local time
# would not say the same, so such formats are drawn afresh every time.
_ZONE_LETTERS = frozenset("eIOTUZcr")


@functools.lru_cache(maxsize=4096)
def _drawn(kind: str, value, fmt: str, language: str | None) -> str:
    return (date_filter if kind == "date" else time_filter)(value, fmt)


def _text(kind: str, value, fmt: str, zone) -> str:
    if isinstance(value, dt.datetime) and value.tzinfo is not None:
        if _ZONE_LETTERS.intersection(fmt):
            return (date_filter if kind == "date" else time_filter)(
                timezone.localtime(value, zone), fmt
            )
        value = timezone.localtime(value, zone).replace(tzinfo=None)
    return _drawn(kind, value, fmt, get_language())


def date_text(value, fmt: str, *, zone=None) -> str:
    """`{{ value|date:fmt }}`: a date, or a datetime (an aware one in `zone`, by default the
    current time zone, as the template shows it)."""
    return _text("date", value, fmt, zone)


def time_text(value, fmt: str, *, zone=None) -> str:
    """`{{ value|time:fmt }}`, as `date_text`."""
    return _text("time", value, fmt, zone)
