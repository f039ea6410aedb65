"""Dates, times and numbers drawn as the templates' `date`, `time` and `floatformat` filters
draw them, for rows drawn in Python (`format_html_join`).

Each filter call reads the active language and time zone (thread-local lookups), finds the
language's format, builds a formatter and looks up the month's or day's translated name:
40-80 us, and a patient page draws some fifty dates and numbers. The text depends only on the
value, the format and the language, so it is kept per process (the same days, times of day and
pain scores recur across rows and pages); it is the filters' own text, not a copy of their
rules. `FilterText` reads the language and time zone once for a whole list of rows.
"""

from __future__ import annotations

import datetime as dt
import functools

from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import floatformat
from django.template.defaultfilters import time as time_filter
from django.utils import dateformat, timezone
from django.utils.translation import get_language

# Format letters that print the time zone or the instant: with these the naive local time
# would not say the same, so such formats are drawn afresh every time.
_ZONE_LETTERS = frozenset("eIOTUZcr")
# Letters that print the time of day (every other letter is taken to print something of the
# day).
_TIME_LETTERS = frozenset("aAfgGhHiPsu")
_FILTERS = {"date": date_filter, "time": time_filter, "number": floatformat}

#: `strftime("%b")` in the C locale, which every process here runs in (nothing sets LC_TIME):
#: Python's `strftime` builds a time tuple and asks the C library, some 5-8 us a call.
MONTH_ABBR = (
    "",
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)


def day_month(day: dt.date) -> str:
    """`f"{day.day} {day:%b}"` ("4 Mar") without `strftime`."""
    return f"{day.day} {MONTH_ABBR[day.month]}"


def day_month_year(day: dt.date) -> str:
    """`f"{day.day} {day:%b %Y}"` ("4 Mar 2026") without `strftime`."""
    return f"{day.day} {MONTH_ABBR[day.month]} {day.year}"


def hour_minute(moment: dt.datetime | dt.time) -> str:
    """`f"{moment:%H:%M}"` ("09:05") without `strftime`."""
    return f"{moment.hour:02d}:{moment.minute:02d}"


#: Django's English day and month names (`django.utils.dates`), which the site's languages
#: (`_ENGLISH`) show as they are.
WEEKDAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
WEEKDAY = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTH = (
    "",
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_ENGLISH = frozenset({"en", "en-gb"})
#: The day formats the pages use, drawn in English without Django's formatter. A day a process
#: has not drawn yet otherwise costs some 110k instructions (a formatter built, the month's
#: name looked up through gettext), and a page of a patient a worker has not shown draws a
#: dozen such days. The tests compare every day of a decade with the filter's.
_ENGLISH_DAYS = {
    "j M Y": day_month_year,
    "j M": day_month,
    "M Y": lambda day: f"{MONTH_ABBR[day.month]} {day.year}",
    "D j M": lambda day: f"{WEEKDAY_ABBR[day.weekday()]} {day.day} {MONTH_ABBR[day.month]}",
    "l j F": lambda day: f"{WEEKDAY[day.weekday()]} {day.day} {MONTH[day.month]}",
    "j F Y": lambda day: f"{day.day} {MONTH[day.month]} {day.year}",
}


@functools.lru_cache(maxsize=8192)
def _drawn(kind: str, value, fmt: str, language: str | None) -> str:
    if kind != "number" and isinstance(fmt, str) and fmt and not fmt.isidentifier():
        return _literal(kind, value, fmt)
    return _FILTERS[kind](value, fmt)


def _literal(kind: str, value, fmt: str) -> str:
    """What the `date` or `time` filter draws for a format written out ("j M Y"), not named
    ("DATE_FORMAT"). The filter first asks `formats.get_format` for it, which reads the active
    language (an asgiref `Local`), looks the text up as an attribute of the language's format
    modules (a failed attribute lookup each, its message formatted), finds nothing and, as it is
    no setting's name, returns it unchanged and does not keep it: some 50k instructions for
    each date drawn afresh, a patient page's twenty-odd. A written-out format (not an
    identifier) cannot be a format module's name, so it goes straight to the formatter, with
    the filter's own fallbacks."""
    if value in (None, ""):
        return ""
    if kind == "date":
        try:
            return dateformat.format(value, fmt)
        except AttributeError:  # the filter tries `format` again, with the same result
            return ""
    try:
        return dateformat.time_format(value, fmt)
    except (AttributeError, TypeError):
        return ""


@functools.lru_cache(maxsize=256)
def _letters(fmt: str) -> tuple[bool, bool, bool]:
    """Whether `fmt` prints the time zone, the time of day, the day (counting a letter
    escaped with a backslash too: the answer may only err towards drawing afresh)."""
    letters = set(fmt)
    return (
        bool(letters & _ZONE_LETTERS),
        bool(letters & _TIME_LETTERS),
        any(letter.isalpha() and letter not in _TIME_LETTERS for letter in letters),
    )


class FilterText:
    """The filters' text for one list of rows: the current time zone (or `zone`) and language
    read once."""

    def __init__(self, zone=None):
        self.zone = zone or timezone.get_current_timezone()
        self.language = get_language()
        self._english = self.language in _ENGLISH

    def _text(self, kind: str, value, fmt: str) -> str:
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            zoned, with_time, with_day = _letters(fmt)
            if zoned:
                return _FILTERS[kind](value.astimezone(self.zone), fmt)
            local = value.astimezone(self.zone)
            # The same text from the part the format prints, kept once per day or time of day
            # (`date()` and `time()` are naive: no `replace(tzinfo=None)` first, a call with
            # eight keywords to parse).
            if kind == "date" and not with_time:
                value = local.date()
            elif kind == "time" and not with_day:
                value = local.time()
            else:
                value = local.replace(tzinfo=None)
        if self._english:
            if kind == "date" and isinstance(value, dt.date) and fmt in _ENGLISH_DAYS:
                return _ENGLISH_DAYS[fmt](value)
            if fmt == "H:i" and isinstance(value, dt.datetime | dt.time):
                return hour_minute(value)
        return _drawn(kind, value, fmt, self.language)

    def date(self, value, fmt: str) -> str:
        """`{{ value|date:fmt }}`: a date, or a datetime (an aware one in the zone, as the
        template shows it)."""
        return self._text("date", value, fmt)

    def time(self, value, fmt: str) -> str:
        """`{{ value|time:fmt }}`, as `date`."""
        return self._text("time", value, fmt)

    def number(self, value, arg: str) -> str:
        """`{{ value|floatformat:arg }}`."""
        return _drawn("number", value, arg, self.language)


def date_to_minute(text: FilterText, moment, day_fmt: str, between: str = " ") -> str:
    """`text.date(moment, f"{day_fmt}{between}H:i")` ("j M Y H:i", "l j F Y, H:i"): an aware
    datetime drawn from the local day's text and the local minute's, each kept per process,
    where the whole format kept by the second hardly ever recurs (each note is signed, each
    assessment finalised, at its own moment). `day_fmt` prints only the day and `between`
    holds no format letters."""
    if not isinstance(moment, dt.datetime) or moment.tzinfo is None:
        return text.date(moment, f"{day_fmt}{between}H:i")
    local = moment.astimezone(text.zone)
    minute = text.time(dt.time(local.hour, local.minute), "H:i")
    return f"{text.date(local.date(), day_fmt)}{between}{minute}"


#: Where a page hangs the `FilterText` it made for one view (`hold_text`) on the object its
#: panels are drawn for (the patient page: the request's own `Patient`, read afresh per view).
_HELD_TEXT = "_held_filter_text"


def hold_text(owner) -> FilterText:
    """A `FilterText` made now and hung on `owner` for the rest of this view: a page's panels
    in other apps, given `owner`, draw with it (`held_text`) instead of each reading the time
    zone and language again (two asgiref `Local` reads, some 45k instructions a `FilterText`).
    `owner` must live no longer than the request (nothing between the view and its template
    activates another zone or language)."""
    text = FilterText()
    owner.__dict__[_HELD_TEXT] = text
    return text


def held_text(owner) -> FilterText:
    """The `FilterText` hung on `owner` by `hold_text`, else a new one (`owner` may be None):
    the same text either way."""
    held = None if owner is None else getattr(owner, "__dict__", {}).get(_HELD_TEXT)
    return held if held is not None else FilterText()
