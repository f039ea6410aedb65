"""Beat runs once however many machines start it: two real beat processes on one Redis, only
the holder of celery-redbeat's lock sends; kill it, and the other takes over within the lock
timeout. `manage.py healthcheck beat` follows the lock."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from tests.notifications.integration import (
    ROOT,
    Processes,
    clean_broker,  # noqa: F401 (fixture)
    processes,  # noqa: F401 (fixture)
    require_real_services,
    wait_for,
)

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

LOCK_TIMEOUT = 4
SENT = "Sending due task dispatch-reminders"


@pytest.fixture(autouse=True)
def _real_services():
    require_real_services()


def _sends(running: Processes, name: str) -> int:
    path = running.tmp_path / f"{name}.log"
    return path.read_text(errors="replace").count(SENT) if path.exists() else 0


def _healthcheck(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "healthcheck", "beat"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_it_lets_one_beat_of_two_send_and_the_other_take_over_when_it_dies(
    processes: Processes,  # noqa: F811 (the fixture imported above)
    clean_broker,  # noqa: F811
):
    env = processes.env(
        broker=clean_broker(12),
        smtp_port=1,
        BEAT_LOCK_TIMEOUT_SECONDS=str(LOCK_TIMEOUT),
        BEAT_MAX_LOOP_SECONDS="1",
    )
    assert _healthcheck(env).returncode == 1  # no beat yet: nobody holds the lock

    first = processes.start("beat-a", ["beat", "--loglevel=INFO"], env)
    wait_for(
        lambda: _sends(processes, "beat-a") >= 1,
        timeout=40,
        what="beat A's first tick",
        details=processes.logs,
    )
    processes.start("beat-b", ["beat", "--loglevel=INFO"], env)
    wait_for(
        lambda: "beat: Starting" in (processes.tmp_path / "beat-b.log").read_text(),
        timeout=40,
        what="beat B to start",
        details=processes.logs,
    )
    before = _sends(processes, "beat-a")
    time.sleep(LOCK_TIMEOUT + 2)  # long enough for B to have taken the lock, were it free

    assert _sends(processes, "beat-a") >= before + LOCK_TIMEOUT  # A ticks every second
    assert _sends(processes, "beat-b") == 0  # B waits for the lock: exactly one sender
    checked = _healthcheck(env)
    assert checked.returncode == 0, checked.stdout + checked.stderr

    processes.kill(first)  # SIGKILL: the lock is not released, it has to expire
    killed = time.monotonic()
    wait_for(
        lambda: _sends(processes, "beat-b") >= 1,
        timeout=LOCK_TIMEOUT + 10,
        what="beat B to take over",
        details=processes.logs,
    )
    took_over = time.monotonic() - killed
    # Within the lock timeout plus B's polling interval (BEAT_MAX_LOOP_SECONDS) and start-up.
    assert took_over <= LOCK_TIMEOUT + 3, took_over
    print(
        f"\nbeat B took over {took_over:.1f} s after A was killed (lock timeout {LOCK_TIMEOUT} s)"
    )
    assert _healthcheck(env).returncode == 0
    # The schedule lives in Redis: no schedule file next to the code or in /tmp.
    assert not list(ROOT.glob("celerybeat-schedule*"))
