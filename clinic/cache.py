"""Django's Redis cache backend, with one Redis client per connection pool.

Django's `RedisCacheClient.get_client` builds a new `redis.Redis` for every cache call (it
keeps the connection pool, not the client). Building one fills redis-py's table of about 170
response callbacks: about 0.1-0.5 ms of Python per call, and every signed-in request makes at
least one (the session read, clinic/sessions.py). A `redis.Redis` holds no connection of its
own (it borrows one from the pool per command) and is safe to share, so one per pool serves.
"""

from __future__ import annotations

import functools
import pickle  # nosec B403  (our own cache's values, as Django's Redis backend reads them)

from django.core.cache import caches
from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient

    def get_unchanging(self, key: str):
        """`get(key)` (None when missing), each distinct stored value unpickled once per
        process (`get_unchanging` below). Reads through the backend's own client
        (`self._cache`, the parent class's), as its `get` does."""
        stored = self._cache.get_client(key).get(self.make_and_validate_key(key))
        return None if stored is None else _unpickled(stored)


def get_unchanging(key: str, alias: str = "default"):
    """`cache.get(key)` (None when missing) for a value nobody changes once read (a tuple of
    tuples of texts, numbers and dates): read from Redis on every call as before, so it is
    exactly as fresh (a `cache.clear()` or a new value is seen at once), but the same bytes
    are unpickled once per process and the same object is given back for them. The
    dashboard's alerts come back from the cache on every view, where unpickling their 25
    lines cost more than the round trip's Python. Other backends: `cache.get`."""
    cache = caches[alias]
    return cache.get_unchanging(key) if isinstance(cache, RedisCache) else cache.get(key)


@functools.lru_cache(maxsize=256)
def _unpickled(stored: bytes):
    # As Django's `RedisSerializer.loads`: integers are stored as themselves.
    try:
        return int(stored)
    except ValueError:
        return pickle.loads(stored)  # noqa: S301  # nosec B301
