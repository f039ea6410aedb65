"""The shared cache (Redis in tests and production) through clinic.cache.RedisCache."""

import pytest
import redis
from django.core.cache import cache

pytestmark = pytest.mark.django_db


def test_it_reuses_one_redis_client_for_every_cache_call(monkeypatch):
    # Each new redis.Redis rebuilds its command tables (0.1-0.5 ms): a session read on every
    # signed-in request paid that before clinic.cache.
    built = []
    original = redis.Redis.__init__

    def counting(self, *args, **kwargs):
        built.append(self)
        original(self, *args, **kwargs)

    cache.set("warm", 1)  # the first call may build the one client
    monkeypatch.setattr(redis.Redis, "__init__", counting)
    cache.set("apex-test-key", {"value": 1}, 30)
    assert cache.get("apex-test-key") == {"value": 1}
    assert cache.get_many(["apex-test-key", "missing"]) == {"apex-test-key": {"value": 1}}
    cache.delete("apex-test-key")
    assert cache.get("apex-test-key") is None
    assert built == []


def test_it_uses_the_clinic_backend():
    from django.core.cache import caches

    from clinic.cache import RedisCache

    assert isinstance(caches["default"], RedisCache)
