"""The patient page's statement (patients/page_rows.py) and the portal home's panels decode
their JSON with `clinic.json_rows.decode` (pydantic_core's `from_json`): it must give exactly
what `json.loads` gives (types included) for every text PostgreSQL's
`json_agg(json_build_array(...))::text` can send, and fall back to `json.loads` otherwise."""

from __future__ import annotations

import json
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clinic.json_rows import decode
from patients import page_rows
from tests.json_values import same_json

_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()
)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(_values, max_size=8), max_size=6), st.booleans())
def test_it_decodes_as_json_loads_does(rows, ascii_only):
    text = json.dumps(rows, ensure_ascii=ascii_only)
    assert same_json(decode(text), json.loads(text))


def test_it_reads_postgresqls_own_spellings_as_json_loads_does():
    for text in (
        '[[1, "2026-03-04T09:30:00+00:00", null, true, 12.5, "12.50", {"a": [1, 2.0]}]]',
        "[[0.1, 1e-320, -0.0, 1e400, 123456789012345678901234567890]]",
        '[["caf\\u00e9 \\"quoted\\" \\\\ back", "tab\\there", "\\ud83d\\ude00", "😀"]]',
        "[[NaN, Infinity, -Infinity]]",
    ):
        assert same_json(decode(text), json.loads(text))


def test_a_text_the_fast_decoder_refuses_goes_to_json_loads():
    text = '[["\\ud800"]]'  # a lone surrogate: json.loads reads it, from_json does not
    assert decode(text) == json.loads(text)


@given(st.uuids())
def test_a_uuid_is_made_as_uuid_makes_it(value):
    text = str(value)
    made = page_rows._uuid(text)
    assert type(made) is uuid.UUID
    assert made == value
    assert made.int == value.int
    assert hash(made) == hash(value)
    assert made.is_safe == uuid.UUID(text).is_safe
    assert str(made) == text
    assert page_rows._uuid(text.upper()) == value  # any spelling `UUID` takes


@pytest.mark.parametrize(
    "text",
    [
        "{12345678-1234-5678-1234-567812345678}",
        "urn:uuid:12345678-1234-5678-1234-567812345678",
        "12345678123456781234567812345678",
        "1234567z-1234-5678-1234-567812345678",
        "12345678-1234-5678-1234-56781234567",
        "",
    ],
)
def test_other_spellings_go_to_uuid_itself(text):
    try:
        expected = uuid.UUID(text)
    except ValueError:
        with pytest.raises(ValueError, match=r"badly formed|invalid literal"):
            page_rows._uuid(text)
    else:
        assert page_rows._uuid(text) == expected


def _made(function, text):
    try:
        return ("made", function(text))
    except ValueError:
        return ("refused", None)


@given(
    st.text()
    | st.uuids().map(str).map(lambda text: text.replace("-", ""))
    | st.builds(
        lambda value, cut, extra: str(value)[:cut] + extra + str(value)[cut:],
        st.uuids(),
        st.integers(min_value=0, max_value=36),
        st.sampled_from(["-", "_", " ", "{", "}", ":", "urn:uuid:", "g", "٣", "+", ""]),
    )
)
def test_any_text_is_made_or_refused_as_uuid_does(text):
    made, expected = _made(page_rows._uuid, text), _made(uuid.UUID, text)
    assert made == expected
    if made[1] is not None:
        assert made[1].is_safe == expected[1].is_safe
