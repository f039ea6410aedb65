"""Two beat processes (the Procfile's beat line, started twice): the schedule ticks once."""

from __future__ import annotations

import time

import pytest

from tests.cluster.harness import Cluster

pytestmark = pytest.mark.cluster

SENT = "Sending due task dispatch-reminders"
WINDOW = 12  # seconds; the cluster dispatches reminders every 2


def test_it_ticks_once_per_interval_with_two_beats_running(cluster: Cluster):
    beats = ("beat-1", "beat-2")
    assert all(cluster.process(name) for name in beats)

    def sends() -> list[int]:
        return [cluster.logs(name).count(SENT) for name in beats]

    before = sends()
    time.sleep(WINDOW)
    during = [after - earlier for after, earlier in zip(sends(), before, strict=True)]

    # One beat holds the lock and sends every 2 s; the other sends nothing. Two unlocked
    # beats would send twice as often.
    assert sorted(during)[0] == 0, during
    assert WINDOW // 2 - 2 <= sum(during) <= WINDOW // 2 + 1, during
