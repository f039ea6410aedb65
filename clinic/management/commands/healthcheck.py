"""Health of one process type, for an orchestrator's liveness or readiness probe.

    python manage.py healthcheck web                 # as /healthz: the database answers (the
                                                     # cache failing is reported, not fatal)
    python manage.py healthcheck worker [--queue Q]  # broker answers and this machine's worker
                                                     # (for queue Q: node Q@host) answers a ping
    python manage.py healthcheck beat                # the beat lock is held and was renewed lately

Exit status 0 when healthy (or, for web, degraded: pages still work), 1 when not; one line on
standard output says why.
"""

from __future__ import annotations

import socket
import sys
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from clinic import health

#: Seconds a worker has to answer the ping.
PING_TIMEOUT = 3.0


def worker_status(*, node: str | None, queue: str | None) -> str:
    """ "ok" when a worker on this machine (or `node`, or `queue`@this machine) answers a ping."""
    from config.celery import app

    broker = health.broker_status()
    if broker != "ok":
        return f"broker {broker}"
    host = socket.gethostname()
    wanted = node or (f"{queue}@{host}" if queue else None)
    try:
        replies = app.control.ping(destination=[wanted] if wanted else None, timeout=PING_TIMEOUT)
    except Exception as exc:  # kombu raises transport-specific errors
        return f"error: ping failed ({exc.__class__.__name__})"
    names = {name for reply in replies for name in reply}
    alive = {wanted} & names if wanted else {n for n in names if n.endswith(f"@{host}")}
    if not alive:
        return f"no answer from {wanted or f'a worker on {host}'} within {PING_TIMEOUT:.0f} s"
    return "ok"


def beat_status() -> str:
    """ "ok" when a beat holds the lock and renewed it within its last two loops (Redis), or when
    the file scheduler of `make run` wrote its schedule lately."""
    if settings.CELERY_BEAT_SCHEDULER.startswith("redbeat"):
        from redbeat.schedulers import RedBeatConfig, get_redis

        from config.celery import app

        lock_key = RedBeatConfig(app).lock_key
        try:
            remaining = get_redis(app).pttl(lock_key) / 1000
        except Exception as exc:  # redis-py raises several connection error types
            return f"error: Redis ({exc.__class__.__name__})"
        if remaining < 0:
            return "no beat holds the lock"
        timeout = settings.CELERY_REDBEAT_LOCK_TIMEOUT
        renewed_ago = timeout - remaining
        if renewed_ago > 2 * settings.CELERY_BEAT_MAX_LOOP_INTERVAL + 1:
            return f"the beat lock was last renewed {renewed_ago:.0f} s ago"
        return "ok"
    # PersistentScheduler saves its file at least every 3 minutes (Celery's sync_every).
    path = Path(settings.CELERY_BEAT_SCHEDULE_FILENAME)
    candidates = [p for p in path.parent.glob(path.name + "*") if p.is_file()]
    if not candidates:
        return f"no schedule file at {path}"
    age = time.time() - max(p.stat().st_mtime for p in candidates)
    return "ok" if age < 10 * 60 else f"the schedule file was last written {age:.0f} s ago"


class Command(BaseCommand):
    help = "Exit 0 when this process type is healthy, 1 when not (web, worker or beat)."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=["web", "worker", "beat"])
        parser.add_argument("--queue", help="worker: the queue its node is named after (Procfile)")
        parser.add_argument("--node", help="worker: the exact node name, e.g. default@host")

    def handle(self, *args, kind: str, queue: str | None, node: str | None, **options):
        if kind == "web":
            checks = health.web_health()
            state = {"ok": "healthy", "degraded": "degraded"}.get(checks.pop("status"), "unhealthy")
        else:
            if kind == "worker":
                checks = {"worker": worker_status(node=node, queue=queue)}
            else:
                checks = {"beat": beat_status()}
            state = "healthy" if all(value == "ok" for value in checks.values()) else "unhealthy"
        summary = ", ".join(f"{name} {value}" for name, value in checks.items())
        self.stdout.write(f"{kind}: {state} ({summary})")
        if state == "unhealthy":
            sys.exit(1)
