"""Reading the Range header (RFC 9110): one range served, several or other units ignored,
the rest refused as unsatisfiable."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinic.byte_ranges import ByteRange, UnsatisfiableRangeError, parse_range


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("", None),
        ("bytes=0-", ByteRange(0, 999)),
        ("bytes=0-499", ByteRange(0, 499)),
        ("bytes=500-", ByteRange(500, 999)),
        ("bytes=-200", ByteRange(800, 999)),
        ("bytes=-5000", ByteRange(0, 999)),
        ("bytes=990-5000", ByteRange(990, 999)),
        ("Bytes = 1-2", ByteRange(1, 2)),
        ("items=0-10", None),
        ("bytes=0-1,5-9", None),
    ],
)
def test_it_reads_the_range_asked_for(header, expected):
    assert parse_range(header, 1000) == expected


@pytest.mark.parametrize(
    "header",
    ["bytes=1000-", "bytes=5-2", "bytes=-0", "bytes=-", "bytes=x-1", "bytes=", "bytes=1-2,x"],
)
def test_it_refuses_a_range_the_file_cannot_satisfy(header):
    with pytest.raises(UnsatisfiableRangeError):
        parse_range(header, 1000)


def test_it_refuses_any_range_of_an_empty_file():
    with pytest.raises(UnsatisfiableRangeError):
        parse_range("bytes=0-", 0)


@given(size=st.integers(1, 10**9), first=st.integers(0, 10**9), last=st.integers(0, 10**9))
def test_it_keeps_every_served_range_inside_the_file(size, first, last):
    try:
        served = parse_range(f"bytes={first}-{last}", size)
    except UnsatisfiableRangeError:
        assert first >= size or last < first
    else:
        assert 0 <= served.first <= served.last < size
        assert served.first == first
