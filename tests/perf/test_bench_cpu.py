"""`make bench` splits each line's CPU between the web server, PostgreSQL, Redis and wrk
(bench/machine.py): a worker or backend that ends in the middle of a line must still count."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import machine  # bench/ is not a package: on the path above

BURN = "import time\nend = time.process_time() + 0.4\nwhile time.process_time() < end: pass\n"
# A stand-in for gunicorn's master: starts a worker that burns CPU and ends, reaps it, then waits.
MASTER = (
    "import subprocess, sys, time\n"
    f"subprocess.run([sys.executable, '-c', {BURN!r}], check=True)\n"
    "print('reaped', flush=True)\n"
    "time.sleep(30)\n"
)


def test_a_worker_that_ended_still_counts_for_the_web_server(monkeypatch):
    master = subprocess.Popen([sys.executable, "-c", MASTER], stdout=subprocess.PIPE, text=True)
    try:
        monkeypatch.setattr(machine, "WEB_PIDS", [master.pid])
        before = dict.fromkeys(("web", "db", "redis", "wrk"), 0.0)
        assert master.stdout.readline().strip() == "reaped"

        spent = machine.cpu_per_request(before, requests=4)

        # 0.4 s of the ended worker over 4 requests: about 100 ms each, plus the master's start.
        assert 95 <= spent["web"] <= 400
    finally:
        master.kill()
        master.wait()


def test_wrk_is_counted_once_it_has_ended():
    before = machine.cpu_seconds()

    subprocess.run([sys.executable, "-c", BURN], check=True)

    spent = machine.cpu_per_request(before, requests=1)
    assert spent["wrk"] >= 390  # milliseconds: the whole burn, in one request
    assert spent["web"] == 0  # no web server started: nothing counted for it
