"""`clinic.cache.get_unchanging`: what `cache.get` gives and as fresh (read from Redis on every
call), the same bytes unpickled once per process."""

import datetime as dt

import pytest
from django.core.cache import cache, caches

from clinic.cache import RedisCache, _unpickled, get_unchanging

pytestmark = pytest.mark.skipif(
    not isinstance(caches["default"], RedisCache), reason="the Redis backend's own read"
)

KEY = "tests:unchanging"
VALUE = ((("Ada O'Brien", dt.date(2026, 12, 7), None),), 3)


@pytest.fixture(autouse=True)
def emptied():
    cache.clear()
    _unpickled.cache_clear()
    yield
    cache.clear()


def test_it_gives_what_cache_get_gives():
    cache.set(KEY, VALUE, 60)
    cache.set("tests:number", 7, 60)
    assert get_unchanging(KEY) == cache.get(KEY) == VALUE
    assert get_unchanging("tests:number") == cache.get("tests:number") == 7
    assert get_unchanging("tests:missing") is None


def test_it_sees_a_new_value_and_a_clear_at_once():
    cache.set(KEY, ("one",), 60)
    assert get_unchanging(KEY) == ("one",)
    cache.set(KEY, ("two",), 60)
    assert get_unchanging(KEY) == ("two",)
    cache.clear()
    assert get_unchanging(KEY) is None
    cache.set(KEY, ("one",), 60)
    assert get_unchanging(KEY) == ("one",)


def test_it_unpickles_the_same_bytes_once():
    cache.set(KEY, VALUE, 60)
    first = get_unchanging(KEY)
    assert get_unchanging(KEY) is first
    assert _unpickled.cache_info().misses == 1
