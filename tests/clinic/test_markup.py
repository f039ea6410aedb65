"""Markup drawn in Python (clinic/markup.py) escapes every value exactly as Django's
`format_html` and `format_html_join` do: what a clinician or patient typed reaches the page as
text, markup already made safe stays as it is."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils.functional import lazy
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from hypothesis import given, settings
from hypothesis import strategies as st

from clinic.markup import escape, html, html_join

_lazy_text = lazy(str, str)

TEXT = st.text(alphabet=st.sampled_from("ab <>&\"'é\n{}"), max_size=12)
VALUES = st.one_of(
    TEXT,
    TEXT.map(mark_safe),
    TEXT.map(_lazy_text),
    st.integers(-20, 20),
    st.decimals(allow_nan=False, allow_infinity=False, places=2),
    st.none(),
    st.dates(),
    st.just(SafeString('<a href="/x">x</a>')),
)
PATTERNS = st.sampled_from(['<li class="{}">{}</li>', "{} · {}", '<a href="{}">{}</a>\n', "{}{}"])


@settings(max_examples=300, deadline=None)
@given(pattern=PATTERNS, first=VALUES, second=VALUES)
def test_it_fills_a_pattern_as_format_html_does(pattern, first, second):
    drawn = html(pattern, first, second)
    assert drawn == format_html(pattern, first, second)
    assert isinstance(drawn, SafeString)


@settings(max_examples=200, deadline=None)
@given(
    pattern=PATTERNS,
    rows=st.lists(st.tuples(VALUES, VALUES), max_size=5),
    separator=st.sampled_from(["", "\n", "; ", "<br>"]),
)
def test_it_joins_rows_as_format_html_join_does(pattern, rows, separator):
    drawn = html_join(separator, pattern, rows)
    assert drawn == format_html_join(separator, pattern, rows)
    assert isinstance(drawn, SafeString)


def test_it_shows_typed_markup_as_text_and_keeps_safe_markup():
    typed = '<script>alert("x")</script> & co'
    assert html("<p>{}</p>", typed) == (
        "<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co</p>"
    )
    assert html("<p>{}</p>", mark_safe("<b>kept</b>")) == "<p><b>kept</b></p>"
    assert escape(Decimal("2.50")) == "2.50"
    assert escape(dt.date(2026, 3, 1)) == "2026-03-01"


@settings(max_examples=300, deadline=None)
@given(value=st.one_of(TEXT, st.text(max_size=30), st.integers(), st.dates()))
def test_escape_gives_what_conditional_escape_gives(value):
    """Text without any of the five characters html.escape replaces comes back as it is,
    without the five `replace` calls; text with any of them is escaped."""
    from django.utils.html import conditional_escape

    assert escape(value) == conditional_escape(value)
    for special in "&<>\"'":
        assert escape(f"a{special}b") == conditional_escape(f"a{special}b")
