"""Every process the cluster started is stopped at the end, whatever happened. Runs after the
other cluster checks (conftest.py), since it stops the session's cluster."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.cluster.harness import (
    ROOT,
    SCRIPTS,
    Cluster,
    pid_running,
    port_open,
    read_env,
    read_processes,
    wait_for,
)

pytestmark = pytest.mark.cluster


def test_it_stops_every_process_and_closes_every_port_at_the_end(cluster: Cluster):
    started = cluster.processes()
    env = read_env(cluster.dir / "env")
    names = {p.name for p in started}
    assert {"pg-primary", "pg-replica", "pgbouncer", "redis", "web-a", "web-b", "haproxy"} <= names
    assert sum(name.startswith("worker") for name in names) >= 2
    assert {"beat-1", "beat-2"} <= names
    ports = {p.port for p in started if p.port}
    assert all(port_open(port) for port in {p.port for p in started[-12:] if p.port})

    assert cluster.stop() == 0

    assert [p for p in started if pid_running(p.pid)] == []
    assert [port for port in ports if port_open(port)] == []
    assert not Path(env["CLUSTER_DIR"]).exists()


def test_it_stops_what_it_had_started_when_stopped_half_way(tmp_path):
    """A signal while the site is still migrating: the databases, PgBouncer, Redis and the
    SMTP sink started so far are all stopped."""
    script = subprocess.Popen(
        ["bash", str(SCRIPTS / "cluster.sh"), "true"],
        cwd=ROOT,
        env={**os.environ, "CLUSTER_KEEP": "1"},
        stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / "cluster.log", "wb"),  # noqa: SIM115
    )
    folder: list[Path] = []

    def migrating() -> bool:
        found = sorted(Path("/tmp").glob("apex-cluster.*/logs/migrate.log"))
        mine = [p for p in found if p.stat().st_mtime > started_at]
        if mine:
            folder.append(mine[-1].parents[1])
        return bool(mine)

    started_at = time.time() - 1
    try:
        wait_for(migrating, timeout=120, what="the cluster to start migrating")
        processes_path = folder[-1] / "processes"
        started = read_processes(processes_path)
        assert {"pg-primary", "pg-replica", "pgbouncer", "redis", "smtp"} <= {
            p.name for p in started
        }
        script.send_signal(signal.SIGTERM)
        status = script.wait(timeout=120)
        started = read_processes(processes_path)
        assert status != 0
        assert [p for p in started if pid_running(p.pid)] == []
        assert [p.port for p in started if p.port and port_open(p.port)] == []
    finally:
        if script.poll() is None:
            script.kill()
        for path in folder:
            shutil.rmtree(path, ignore_errors=True)
