"""Sessions read from the shared cache and kept in the database (SESSION_ENGINE in production).

Django's `cached_db` store writes every change to the database and to the cache and reads the
cache first, so a signed-in request costs a cache round trip instead of a query, and losing the
cache (a flush, a restart, eviction) signs nobody out: the next request reads the database and
fills the cache again. Django's store still fails when the cache cannot be reached at all (it
swallows errors on read and on save, not when it refills the cache after a miss or on sign
out); this one carries on from the database then.
"""

from __future__ import annotations

import logging

from django.contrib.sessions.backends import cached_db

logger = logging.getLogger(__name__)


class SessionStore(cached_db.SessionStore):
    def _cache_call(self, method: str, *args):
        try:
            return getattr(self._cache, method)(*args)
        except Exception:  # any cache failure is a miss: the database has it all
            logger.warning("Session cache unavailable; using the database only", exc_info=True)
            return None

    def load(self):
        data = self._cache_call("get", self.cache_key)
        if data is not None:
            return data
        stored = self._get_session_from_db()
        if stored is None:
            return {}
        data = self.decode(stored.session_data)
        self._cache_call(
            "set", self.cache_key, data, self.get_expiry_age(expiry=stored.expire_date)
        )
        return data

    def exists(self, session_key):
        if session_key and self._cache_call("has_key", self.cache_key_prefix + session_key):
            return True
        return cached_db.DBStore.exists(self, session_key)

    def delete(self, session_key=None):
        cached_db.DBStore.delete(self, session_key)
        session_key = session_key or self.session_key
        if session_key is not None:
            self._cache_call("delete", self.cache_key_prefix + session_key)
