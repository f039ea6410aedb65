"""Heavy read-only work may read from the read replica; everything else reads the primary.

Opt in explicitly, around reads that tolerate data a few seconds old (reports, exports):

    with reading_replica():              # anywhere: services, tasks, commands
        rows = list(report_rows())

    @replica_reads                       # a view: also retried on the primary if the
    def export(request, ...):            # replica fails mid-request
        ...

The block reads the primary instead, with no error, when:
- no replica is configured (`DATABASE_REPLICA_URL` unset);
- the visitor wrote something in the last READ_YOUR_WRITES_SECONDS (RecentWriteMiddleware
  marks every successful POST/PUT/PATCH/DELETE with a short signed cookie), so they always
  see their own changes;
- the replica did not answer within DATABASE_REPLICA_CONNECT_TIMEOUT seconds, or replays
  more than DATABASE_REPLICA_MAX_LAG seconds behind the primary. The verdict is kept in the
  cache for DATABASE_REPLICA_CHECK_SECONDS, so a dead replica costs one probe per period, and
  each verdict against the replica is logged once.
The router (config/db_router.py) adds its own rules: bookings and reads inside a transaction
on the primary never leave it.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections

logger = logging.getLogger(__name__)

COOKIE = "apex_wrote"
_COOKIE_SALT = "clinic.replica.recent-write"
_UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
_HEALTHY = "ok"

# Seconds the replica replays behind the primary; 0 when it has replayed all it received
# (an idle primary sends nothing, and the last replay time would only grow) or when the
# server is not a standby at all.
_LAG_SQL = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN 0
    WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
    ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 'Infinity')
END
"""

_alias: contextvars.ContextVar[str | None] = contextvars.ContextVar("replica_alias", default=None)
_wrote_recently: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "replica_wrote_recently", default=False
)


def current_alias() -> str | None:
    """The replica's alias while an opted-in block may read from it, else None."""
    return _alias.get()


@contextlib.contextmanager
def reading_replica():
    """Reads inside go to the replica when it is safe (see the module docstring); yields the
    alias in use, or None where the primary serves."""
    alias = _usable_alias()
    token = _alias.set(alias)
    try:
        yield alias
    finally:
        _alias.reset(token)


def replica_reads(view):
    """`reading_replica()` around a view. If the replica fails during the view (stopped
    since the last check), it is marked down and the view runs again on the primary: the
    views given this read before they write, so the failed run has written nothing."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        with reading_replica() as alias:
            if alias is None:
                return view(request, *args, **kwargs)
            try:
                return view(request, *args, **kwargs)
            except (OperationalError, InterfaceError) as exc:
                if _answers(alias):
                    raise  # the primary failed: running again would not help
                connections[alias].close()
                _remember(alias, f"failed during a request ({exc.__class__.__name__})")
        return view(request, *args, **kwargs)

    wrapped.reads_replica = True
    return wrapped


def _answers(alias: str) -> bool:
    connection = connections[alias]
    return connection.connection is not None and connection.is_usable()


def replica_status(alias: str) -> str:
    """ "ok", or why the replica may not serve reads now (probed at most once per period)."""
    key = f"apex:db-replica:{alias}"
    try:
        status = cache.get(key)
    except Exception:  # the cache down must not take the reports down with it
        status = None
    if status is None:
        status = _probe(alias)
        _remember(alias, status)
    return status


def _usable_alias() -> str | None:
    alias = settings.DATABASE_REPLICA_ALIAS
    if alias is None or alias == DEFAULT_DB_ALIAS or _wrote_recently.get():
        return None
    return alias if replica_status(alias) == _HEALTHY else None


def _probe(alias: str) -> str:
    """Connect afresh with a short timeout and measure the replay lag."""
    connection = connections[alias]
    params = connection.get_connection_params()
    params["connect_timeout"] = settings.DATABASE_REPLICA_CONNECT_TIMEOUT
    started = time.monotonic()
    try:
        raw = connection.Database.connect(**params)
        try:
            with raw.cursor() as cursor:
                cursor.execute(_LAG_SQL)
                lag = float(cursor.fetchone()[0])
        finally:
            raw.close()
    except connection.Database.Error as exc:
        waited = time.monotonic() - started
        return f"unreachable after {waited:.1f}s ({exc.__class__.__name__})"
    if lag > settings.DATABASE_REPLICA_MAX_LAG:
        return f"{lag:.0f}s behind the primary (limit {settings.DATABASE_REPLICA_MAX_LAG}s)"
    return _HEALTHY


def _remember(alias: str, status: str) -> None:
    if status != _HEALTHY:
        logger.warning("Read replica %r %s: reading from the primary instead.", alias, status)
    # Without the cache every block probes: slower, still correct.
    with contextlib.suppress(Exception):
        cache.set(f"apex:db-replica:{alias}", status, settings.DATABASE_REPLICA_CHECK_SECONDS)


class RecentWriteMiddleware:
    """Read-your-writes: a visitor whose last successful unsafe request (any form sent, any
    sign-in) is younger than READ_YOUR_WRITES_SECONDS reads from the primary. The mark is a
    signed cookie holding nothing but its own age, so no session write is added."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.DATABASE_REPLICA_ALIAS is None:
            return self.get_response(request)
        fresh = request.get_signed_cookie(
            COOKIE,
            default=None,
            salt=_COOKIE_SALT,
            max_age=settings.READ_YOUR_WRITES_SECONDS,
        )
        token = _wrote_recently.set(fresh is not None)
        try:
            response = self.get_response(request)
        finally:
            _wrote_recently.reset(token)
        if request.method in _UNSAFE and response.status_code < 400:
            response.set_signed_cookie(
                COOKIE,
                "1",
                salt=_COOKIE_SALT,
                max_age=settings.READ_YOUR_WRITES_SECONDS,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
