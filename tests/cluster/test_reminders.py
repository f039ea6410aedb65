"""1,000 due reminders through the cluster's beat and workers, one worker killed mid-batch.

The worker is killed the moment the SMTP server has kept a message and before it answers:
the worst moment for a duplicate, which the handover recorded before sending prevents. (Killed
between that handover and the server keeping the message, the one message in flight would not
be sent again either: notifications/sending.py prefers never twice for that one message.) The
cluster's workers run one process each, so exactly one message is in flight at the kill.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import pytest

from tests.cluster.harness import Cluster, pid_running, wait_for

pytestmark = pytest.mark.cluster

COUNT = 1000


def reminder_worker(cluster: Cluster) -> str:
    """The worker that sends reminders: the one whose queues include reminders' (the Procfile
    line naming the messages queue), else the first."""
    workers = [p.name for p in cluster.processes() if p.name.startswith("worker")]
    for name in workers:
        if "messages" in (cluster.dir / "commands" / name).read_text():
            return name
    return workers[0]


def test_it_delivers_1000_due_reminders_exactly_once_when_a_worker_is_killed_mid_batch(
    cluster: Cluster,
):
    earlier = set(cluster.mail())
    due = cluster.action("reminders", str(COUNT))
    wanted = set(due["emails"])
    assert len(wanted) == COUNT

    def delivered() -> Counter:
        return Counter(
            to for name, tos in cluster.mail().items() if name not in earlier for to in tos
        )

    wait_for(lambda: sum(delivered().values()) >= 30, timeout=120, what="the first reminders")
    # The worst moment: the sink kills the worker's process group right after keeping a
    # message, before its "250" (tests/cluster/harness.py, scripts/cluster/smtp_sink.py).
    victim = reminder_worker(cluster)
    process = cluster.process(victim)
    mail_dir = Path(cluster.env["CLUSTER_MAIL_DIR"])
    (mail_dir / "kill").write_text(f"{len(cluster.mail()) + 20} {process.pid}")
    wait_for(lambda: (mail_dir / "killed").exists(), timeout=120, what=f"{victim} killed")
    wait_for(lambda: not pid_running(process.pid), timeout=30, what=f"{victim} gone")
    at_kill = sum(delivered().values())
    assert at_kill < COUNT, "the batch had finished before the kill: nothing was tested"
    # An orchestrator starts a worker in its place.
    cluster.start(victim)

    def progress() -> str:
        statuses = cluster.sql(
            "SELECT status, count(*) FROM notifications_reminderdelivery WHERE due_at = %s"
            " GROUP BY status",
            (due["due"],),
        )
        return (
            f"delivered {sum(delivered().values())}, deliveries {statuses}\n"
            f"{cluster.logs(victim)[-3000:]}"
        )

    wait_for(
        lambda: sum(delivered().values()) >= COUNT,
        timeout=360,
        what=f"{COUNT} reminders (killed {victim} at {at_kill})",
        every=0.5,
        details=progress,
    )
    # A claim left by the dead worker expires after REMINDER_CLAIM_TIMEOUT_SECONDS (10 in the
    # cluster); the dispatcher's next ticks must not send anything a second time.
    time.sleep(15)

    counts = delivered()
    assert set(counts) == wanted
    assert sum(counts.values()) == COUNT
    assert max(counts.values()) == 1
    sent = cluster.sql(
        "SELECT count(*) FROM notifications_reminderdelivery WHERE due_at = %s AND status = 'sent'",
        (due["due"],),
    )
    assert sent == [(COUNT,)]
