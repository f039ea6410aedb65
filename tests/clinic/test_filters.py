"""Rows drawn in Python show dates, times and numbers exactly as the templates' `date`,
`time` and `floatformat` filters do (clinic/filters.py), whatever the time zone, the language
or the format, and whatever was drawn before."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.template import Context, Template
from django.utils import timezone, translation
from hypothesis import given, settings
from hypothesis import strategies as st

from clinic.filters import _FILTERS, FilterText, _drawn

ZONES = ["Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC"]
FORMATS = [
    "j M Y",
    "D j M",
    "j M",
    "M Y",
    "l j F",
    "j F Y",
    "H:i",
    "j M Y, H:i",
    "N j, Y P",
    "j M Y H:i T",
    "c",
    "t H:i",
    "\\T H:i",
    "U",
]
TEMPLATE = Template("{{ value|date:fmt }}|{{ value|time:fmt }}")
NUMBER = Template("{{ value|floatformat:arg }}")


def _filters(value, fmt: str) -> str:
    return TEMPLATE.render(Context({"value": value, "fmt": fmt}))


@settings(max_examples=400, deadline=None)
@given(
    instant=st.datetimes(
        min_value=dt.datetime(2000, 1, 1),
        max_value=dt.datetime(2040, 12, 31),
        timezones=st.just(dt.UTC),
    ),
    zone=st.sampled_from(ZONES),
    fmt=st.sampled_from(FORMATS),
    kind=st.sampled_from(["aware", "naive", "date", "time"]),
)
def test_it_draws_what_the_filters_draw(instant, zone, fmt, kind):
    value = {
        "aware": instant,
        "naive": instant.replace(tzinfo=None),
        "date": instant.date(),
        "time": instant.time(),
    }[kind]
    with timezone.override(zoneinfo.ZoneInfo(zone)):
        text = FilterText()
        try:
            expected = _filters(value, fmt)
        except TypeError:  # a time format for a date, or the other way round: refused alike
            with pytest.raises(TypeError):
                text.date(value, fmt), text.time(value, fmt)
            return
        assert f"{text.date(value, fmt)}|{text.time(value, fmt)}" == expected


@settings(max_examples=200, deadline=None)
@given(
    value=st.one_of(
        st.integers(-100, 100),
        st.floats(0, 10, allow_nan=False),
        st.decimals(0, 10, places=3, allow_nan=False),
    ),
    arg=st.sampled_from(["-1", "1", "-2", "0", "2g"]),
)
def test_it_draws_numbers_as_floatformat_does(value, arg):
    assert FilterText().number(value, arg) == NUMBER.render(Context({"value": value, "arg": arg}))


def test_it_takes_the_zone_it_is_given_over_the_current_one():
    late = dt.datetime(2026, 7, 1, 23, 30, tzinfo=dt.UTC)
    with timezone.override(zoneinfo.ZoneInfo("UTC")):
        assert FilterText().date(late, "j M Y") == "1 Jul 2026"
        assert FilterText(zoneinfo.ZoneInfo("Europe/London")).date(late, "j M Y") == "2 Jul 2026"
        assert FilterText(zoneinfo.ZoneInfo("Asia/Kolkata")).time(late, "H:i") == "05:00"


def test_the_same_instant_in_two_zones_keeps_two_texts():
    instant = dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC)  # London's clocks go forward
    london = FilterText(zoneinfo.ZoneInfo("Europe/London"))
    sydney = FilterText(zoneinfo.ZoneInfo("Australia/Sydney"))
    assert (london.date(instant, "D j M"), london.time(instant, "H:i")) == ("Sun 29 Mar", "00:30")
    assert (sydney.date(instant, "D j M"), sydney.time(instant, "H:i")) == ("Sun 29 Mar", "11:30")
    assert london.time(instant + dt.timedelta(hours=1), "H:i") == "02:30"


def test_a_kept_text_does_not_outlive_a_change_of_language():
    day = dt.date(2026, 3, 4)
    assert FilterText().date(day, "D j M") == "Wed 4 Mar"
    with translation.override("de"):
        german = FilterText().date(day, "D j M")
        assert german == _filters(day, "D j M").split("|")[0]
        assert german != "Wed 4 Mar"
    assert FilterText().date(day, "D j M") == "Wed 4 Mar"


@pytest.mark.parametrize("language", ["en-gb", "en", "fr"])
def test_it_draws_every_day_and_minute_of_a_decade_as_the_filters_do(language):
    """The formats drawn in English without Django's formatter (`_ENGLISH_DAYS`, "H:i"), for
    every day of 2020-2030 as a date, an aware time at 23:30 UTC (the next day in London in
    summer, every clock change crossed) and a naive one; in French through the formatter."""
    from clinic.filters import _ENGLISH_DAYS

    days = Template(" ".join(f'{{{{ value|date:"{fmt}" }}}}' for fmt in _ENGLISH_DAYS))
    minute = Template('{{ value|date:"H:i" }} {{ value|time:"H:i" }}')
    london = zoneinfo.ZoneInfo("Europe/London")
    day = dt.date(2020, 1, 1)
    with timezone.override(london), translation.override(language):
        text = FilterText()
        while day.year < 2031:
            moment = dt.datetime.combine(day, dt.time(23, 30 + day.day % 30), tzinfo=dt.UTC)
            for value in (day, moment, moment.replace(tzinfo=None)):
                drawn = " ".join(text.date(value, fmt) for fmt in _ENGLISH_DAYS)
                assert drawn == days.render(Context({"value": value}))
                if value is not day:  # "H:i" of a date is refused alike (the test above)
                    drawn = f"{text.date(value, 'H:i')} {text.time(value, 'H:i')}"
                    assert drawn == minute.render(Context({"value": value}))
            day += dt.timedelta(days=1)


@settings(max_examples=300, deadline=None)
@given(st.dates(min_value=dt.date(1000, 1, 1)))
def test_day_month_and_year_are_what_strftime_drew(day):
    """`day_month` and `day_month_year` draw what `f"{day.day} {day:%b}"` and
    `f"{day.day} {day:%b %Y}"` drew (the C locale's month names)."""
    from clinic.filters import day_month, day_month_year

    assert day_month(day) == f"{day.day} {day:%b}"
    assert day_month_year(day) == f"{day.day} {day:%b %Y}"


@settings(max_examples=300, deadline=None)
@given(st.datetimes(timezones=st.sampled_from([None, zoneinfo.ZoneInfo("Europe/London")])))
def test_hour_minute_is_what_strftime_drew(moment):
    """`hour_minute` draws what `f"{moment:%H:%M}"` drew, for naive and aware datetimes and
    times of day."""
    from clinic.filters import hour_minute

    assert hour_minute(moment) == f"{moment:%H:%M}"
    assert hour_minute(moment.time()) == f"{moment.time():%H:%M}"


@pytest.mark.parametrize("kind", ["date", "time"])
@pytest.mark.parametrize(
    "value",
    [
        dt.datetime(2026, 3, 4, 9, 5),
        dt.date(2026, 3, 4),
        dt.time(9, 5),
        "2026-03-04",
        None,
        "",
        0,
    ],
)
@pytest.mark.parametrize(
    "fmt",
    ["j M Y", "H:i", "j M Y, H:i", "D", "DATE_FORMAT", "SHORT_DATE_FORMAT", "TIME_FORMAT", ""],
)
def test_it_draws_a_written_out_format_as_the_filter_does(kind, value, fmt):
    # Written-out formats skip `get_format` (`_literal`); named ones and "" still go through
    # the filter, which reads the setting. Either way the text, or the refusal, is the filter's.
    try:
        expected = _FILTERS[kind](value, fmt)
    except TypeError:
        with pytest.raises(TypeError):
            _drawn.__wrapped__(kind, value, fmt, "en-gb")
        return
    assert _drawn.__wrapped__(kind, value, fmt, "en-gb") == expected
