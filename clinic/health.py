"""Liveness of the services the site depends on, for /healthz and for operators."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connection


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any driver error means the database is not answering
        return f"error: {exc.__class__.__name__}"
    return "ok"


def broker_status(timeout: float = 2.0) -> str:
    from config.celery import app

    try:
        with app.connection_for_write(settings.CELERY_BROKER_URL) as conn:
            conn.ensure_connection(max_retries=1, timeout=timeout)
    except Exception as exc:  # kombu raises transport-specific errors
        return f"error: {exc.__class__.__name__}"
    return "ok"


def cache_status() -> str:
    """A write and a read back, as the session store and the dashboard's alerts do (the Redis
    client's socket timeouts are 1 s, config/settings.py)."""
    key = f"healthz:{uuid.uuid4().hex}"
    try:
        cache.set(key, "ok", timeout=5)
        answer = cache.get(key)
        cache.delete(key)
    except Exception as exc:  # redis-py raises several connection error types
        return f"error: {exc.__class__.__name__}"
    return "ok" if answer == "ok" else "error: not stored"


#: Checks a web process cannot serve pages without. The cache is not among them: sessions are
#: kept in the database too and read from it when the cache fails (clinic/sessions.py), login
#: throttling is in the database (django-axes) and the dashboard's alerts are computed afresh on
#: a miss, so pages still work without Redis, only slower (docs/scaling.md, "Health").
WEB_REQUIRED = ("database",)


def web_health() -> dict[str, str]:
    """Each check's state for a web process, with an overall `status` first: "ok"; "degraded"
    when only a check pages can do without fails (the process still serves: keep it in the
    load balancer); "unavailable" when a required one fails."""
    checks = {"database": database_status(), "cache": cache_status()}
    if any(checks[name] != "ok" for name in WEB_REQUIRED):
        status = "unavailable"
    elif any(value != "ok" for value in checks.values()):
        status = "degraded"
    else:
        status = "ok"
    return {"status": status, **checks}
