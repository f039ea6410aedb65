"""Parts of the cluster going away and coming back while the site keeps answering."""

from __future__ import annotations

import pytest

from tests.cluster.harness import Cluster, Visitor, port_open, wait_for

pytestmark = pytest.mark.cluster

MANAGER = ("manager@example.com", "apex-demo-pass")
RECENT_WRITE = "apex_wrote"  # clinic.replica.COOKIE


def replica_transactions(cluster: Cluster) -> int:
    import psycopg2

    with psycopg2.connect(cluster.env["CLUSTER_REPLICA_URL"]) as db, db.cursor() as cursor:
        cursor.execute("SELECT xact_commit FROM pg_stat_database WHERE datname = 'apex'")
        return cursor.fetchone()[0]


def heavy_reads(manager: Visitor, patient: str) -> list[tuple[str, int]]:
    """What the router sends to the replica (the manager's figures per site and their CSV, the
    FHIR and privacy exports): each answer's status, and the privacy page exports start from."""
    privacy = f"/patients/{patient}/privacy/"

    def export(path: str):
        # Asking for an export is a POST, after which the site reads this visitor's pages from
        # the primary for a while (read-your-writes): forget that, so each export would read
        # the replica if it could.
        manager.session.cookies.pop(RECENT_WRITE, None)
        return manager.post(path, {}, token_from=privacy)

    def report(path: str):
        manager.session.cookies.pop(RECENT_WRITE, None)
        return manager.get(path)

    answers = [
        (privacy, manager.get(privacy)),
        ("FHIR export", export(f"/fhir-export/patients/{patient}/")),
        ("privacy export", export(f"{privacy}export/")),
        ("site report", report("/reports/sites/")),
        ("site report CSV", report("/reports/sites.csv")),
    ]
    for what, answer in answers:
        assert answer.status_code == 200, (what, answer.status_code, answer.text[:500])
    assert "application/" in answers[1][1].headers["Content-Type"]
    assert answers[2][1].json()
    assert "Figures per site" in answers[3][1].text
    assert "text/csv" in answers[4][1].headers["Content-Type"]
    return [(what, answer.status_code) for what, answer in answers]


def test_it_answers_report_and_export_pages_from_the_primary_while_the_replica_is_down(
    cluster: Cluster,
):
    patient = cluster.action("patient")["public_id"]
    manager = Visitor(cluster.url).sign_in(*MANAGER)
    before = replica_transactions(cluster)
    heavy_reads(manager, patient)
    # The replica served the exports (its statistics reach the view within seconds).
    wait_for(
        lambda: replica_transactions(cluster) - before >= 10,
        timeout=20,
        what="the exports' reads on the replica",
    )
    replica = cluster.process("pg-replica")
    cluster.stop_part("pg-replica")
    try:
        assert not port_open(replica.port)
        for _ in range(2):  # through HAProxy: from both instances
            heavy_reads(manager, patient)
    finally:
        cluster.start("pg-replica")


def test_it_recovers_after_pgbouncer_restarts_without_restarting_the_web_instances(
    cluster: Cluster,
):
    manager = Visitor(cluster.url).sign_in(*MANAGER)
    instances = [manager.on(cluster.web_a), manager.on(cluster.web_b)]
    for visitor in instances:  # each instance holds a connection through PgBouncer now
        assert visitor.get("/patients/").status_code == 200
    web = [cluster.process("web-a").pid, cluster.process("web-b").pid]
    old = cluster.process("pgbouncer")
    cluster.stop_part("pgbouncer")
    assert not port_open(old.port)
    cluster.start("pgbouncer")
    wait_for(lambda: port_open(old.port), timeout=30, what="PgBouncer back")

    # The very first request to each instance after the restart is answered.
    for visitor in instances:
        answer = visitor.get("/patients/")
        assert answer.status_code == 200, answer.text[:500]
    assert manager.get("/healthz").status_code == 200
    assert [cluster.process("web-a").pid, cluster.process("web-b").pid] == web
