"""Rows drawn in Python show dates and times exactly as the templates' `date` and `time`
filters do (clinic/dates.py), whatever the time zone, the language or the format."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.template import Context, Template
from django.utils import timezone, translation
from hypothesis import given, settings
from hypothesis import strategies as st

from clinic.dates import date_text, time_text

ZONES = ["Europe/London", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC"]
FORMATS = ["j M Y", "D j M", "j M", "H:i", "j M Y, H:i", "N j, Y P", "j M Y H:i T", "c"]
TEMPLATE = Template("{{ value|date:fmt }}|{{ value|time:fmt }}")


def _filters(value, fmt: str) -> str:
    return TEMPLATE.render(Context({"value": value, "fmt": fmt}))


@settings(max_examples=300, deadline=None)
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
        try:
            expected = _filters(value, fmt)
        except TypeError:  # a time format for a date, or the other way round: refused alike
            with pytest.raises(TypeError):
                date_text(value, fmt), time_text(value, fmt)
            return
        assert f"{date_text(value, fmt)}|{time_text(value, fmt)}" == expected


def test_it_takes_the_zone_it_is_given_over_the_current_one():
    late = dt.datetime(2026, 7, 1, 23, 30, tzinfo=dt.UTC)
    with timezone.override(zoneinfo.ZoneInfo("UTC")):
        assert date_text(late, "j M Y") == "1 Jul 2026"
        assert date_text(late, "j M Y", zone=zoneinfo.ZoneInfo("Europe/London")) == "2 Jul 2026"
        assert time_text(late, "H:i", zone=zoneinfo.ZoneInfo("Asia/Kolkata")) == "05:00"


def test_a_kept_text_does_not_outlive_a_change_of_language():
    day = dt.date(2026, 3, 4)
    assert date_text(day, "D j M") == "Wed 4 Mar"
    with translation.override("de"):
        assert date_text(day, "D j M") == _filters(day, "D j M").split("|")[0]
        assert date_text(day, "D j M") != "Wed 4 Mar"
    assert date_text(day, "D j M") == "Wed 4 Mar"
