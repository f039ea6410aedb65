"""`manage.py healthcheck web|worker|beat`: exit 0 when that process type is healthy, 1 when not,
for an orchestrator's probes (Procfile). Beat's is tested with two real beats in
test_beat_lock.py."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest
from django.conf import settings

from tests.notifications.integration import (
    ROOT,
    Processes,
    clean_broker,  # noqa: F401 (fixture)
    processes,  # noqa: F401 (fixture)
    require_real_services,
    wait_for,
)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthcheck(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "healthcheck", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_it_reports_a_worker_healthy_only_while_it_answers(
    processes: Processes,  # noqa: F811 (the fixture imported above)
    clean_broker,  # noqa: F811
):
    require_real_services()
    env = processes.env(broker=clean_broker(13), smtp_port=1)
    host = socket.gethostname()
    worker = processes.worker(env, queues="messages", hostname="messages@%h", concurrency=1)
    wait_for(
        lambda: _healthcheck(env, "worker", "--queue", "messages").returncode == 0,
        timeout=60,
        what="the worker to answer",
        details=processes.logs,
    )
    ok = _healthcheck(env, "worker", "--queue", "messages")
    assert ok.stdout.strip() == "worker: healthy (worker ok)"
    assert _healthcheck(env, "worker").returncode == 0  # any worker on this machine

    nobody = _healthcheck(env, "worker", "--queue", "reports")  # no worker for `reports` here
    assert nobody.returncode == 1
    assert f"no answer from reports@{host}" in nobody.stdout

    processes.kill(worker)
    assert _healthcheck(env, "worker", "--queue", "messages").returncode == 1


@pytest.mark.django_db
def test_it_reports_a_worker_unhealthy_when_the_broker_does_not_answer(processes):  # noqa: F811
    env = processes.env(broker=f"redis://127.0.0.1:{_closed_port()}/0", smtp_port=1)
    result = _healthcheck(env, "worker")
    assert result.returncode == 1
    assert "broker error" in result.stdout


@pytest.mark.django_db
def test_it_reports_web_degraded_but_passing_without_the_cache_and_failing_without_the_database(
    processes,  # noqa: F811
):
    require_real_services()
    env = processes.env(broker=settings.CELERY_BROKER_URL, smtp_port=1)
    ok = _healthcheck(env, "web")
    assert (ok.returncode, ok.stdout.strip()) == (0, "web: healthy (database ok, cache ok)")
    # Pages still work without the cache (test_healthz.py), so an orchestrator keeps the process.
    no_cache = _healthcheck({**env, "CACHE_URL": f"redis://127.0.0.1:{_closed_port()}/1"}, "web")
    assert (no_cache.returncode, no_cache.stdout.strip()) == (
        0,
        "web: degraded (database ok, cache error: ConnectionError)",
    )
    no_db = _healthcheck(
        {**env, "DATABASE_URL": f"postgres://apex@127.0.0.1:{_closed_port()}/apex"}, "web"
    )
    assert no_db.returncode == 1
    assert no_db.stdout.strip() == "web: unhealthy (database error: OperationalError, cache ok)"
