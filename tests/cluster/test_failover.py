"""Parts of the cluster going away and coming back while the site keeps answering."""

from __future__ import annotations

import pytest

from tests.cluster.harness import Cluster, Visitor, port_open, wait_for

pytestmark = pytest.mark.cluster

MANAGER = ("manager@example.com", "apex-demo-pass")


def heavy_reads(manager: Visitor, patient: str) -> list[tuple[str, int]]:
    """The exports the router sends to the replica (FHIR, the privacy export): each answer's
    status, and the privacy page they are asked from."""
    privacy = f"/patients/{patient}/privacy/"
    answers = [
        (privacy, manager.get(privacy)),
        (
            "FHIR export",
            manager.post(f"/fhir-export/patients/{patient}/", {}, token_from=privacy),
        ),
        ("privacy export", manager.post(f"{privacy}export/", {}, token_from=privacy)),
    ]
    for what, answer in answers:
        assert answer.status_code == 200, (what, answer.status_code, answer.text[:500])
    assert "application/" in answers[1][1].headers["Content-Type"]
    assert answers[2][1].json()
    return [(what, answer.status_code) for what, answer in answers]


def test_it_answers_report_and_export_pages_from_the_primary_while_the_replica_is_down(
    cluster: Cluster,
):
    patient = cluster.action("patient")["public_id"]
    manager = Visitor(cluster.url).sign_in(*MANAGER)
    heavy_reads(manager, patient)
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
