"""The router and the replica opt-in as units: where each read and write goes, the mark a
write leaves, and a view retried on the primary when the replica fails mid-request.
(tests/clinic/test_replica.py runs them against a real second database alias.)"""

from __future__ import annotations

import logging

import pytest
from django.db import OperationalError
from django.http import HttpResponse

from bookings.models import Appointment
from clinic import replica
from clinic.replica import RecentWriteMiddleware, reading_replica, replica_reads
from config.db_router import PrimaryReplicaRouter
from patients.models import Patient

REPLICA = "replica"


@pytest.fixture
def replica_on(settings, monkeypatch):
    """A replica that passes its health check (no server is asked)."""
    settings.DATABASE_REPLICA_ALIAS = REPLICA
    monkeypatch.setattr(replica, "_probe", lambda alias: "ok")


def test_it_reads_the_primary_when_no_replica_is_configured():
    with reading_replica() as alias:
        assert alias is None
        assert PrimaryReplicaRouter().db_for_read(Patient) == "default"


def test_it_reads_the_primary_outside_an_opted_in_block(replica_on):
    assert PrimaryReplicaRouter().db_for_read(Patient) == "default"


def test_it_reads_the_replica_inside_an_opted_in_block(replica_on):
    router = PrimaryReplicaRouter()
    with reading_replica() as alias:
        assert alias == REPLICA
        assert router.db_for_read(Patient) == REPLICA
        assert router.db_for_read(Appointment) == REPLICA  # a report's appointment figures
        assert router.db_for_write(Patient) == "default"
    assert router.db_for_read(Patient) == "default"


def test_it_migrates_the_primary_only():
    router = PrimaryReplicaRouter()
    assert router.allow_migrate("default", "patients")
    assert not router.allow_migrate(REPLICA, "patients")


def _through_middleware(request, status=200):
    seen = {}

    def view(request):
        with reading_replica() as alias:
            seen["alias"] = alias
        return HttpResponse(status=status)

    return RecentWriteMiddleware(view)(request), seen["alias"]


def test_it_marks_a_successful_form_and_reads_the_primary_while_the_mark_is_fresh(replica_on, rf):
    response, alias = _through_middleware(rf.post("/form/"))
    assert alias == REPLICA  # nothing written before this request
    mark = response.cookies[replica.COOKIE]
    assert mark["httponly"]
    assert mark["max-age"] == 30

    follow_up = rf.get("/report/")
    follow_up.COOKIES[replica.COOKIE] = mark.value
    response, alias = _through_middleware(follow_up)
    assert alias is None
    assert replica.COOKIE not in response.cookies  # a read does not renew the mark


@pytest.mark.parametrize(("method", "status"), [("get", 200), ("post", 400), ("post", 403)])
def test_it_leaves_no_mark_after_a_read_or_a_refused_form(replica_on, rf, method, status):
    response, _ = _through_middleware(getattr(rf, method)("/"), status=status)
    assert replica.COOKIE not in response.cookies


def test_it_ignores_a_forged_mark(replica_on, rf):
    request = rf.get("/report/")
    request.COOKIES[replica.COOKIE] = "1"
    _, alias = _through_middleware(request)
    assert alias == REPLICA


def test_it_sets_no_mark_without_a_replica(rf):
    response, _ = _through_middleware(rf.post("/form/"))
    assert replica.COOKIE not in response.cookies


def test_it_reruns_a_view_on_the_primary_when_the_replica_fails_mid_request(replica_on, rf, caplog):
    used = []

    @replica_reads
    def view(request):
        used.append(replica.current_alias())
        if replica.current_alias() == REPLICA:
            raise OperationalError("server closed the connection unexpectedly")
        return "answered"

    with caplog.at_level(logging.WARNING, logger="clinic.replica"):
        assert view(rf.get("/")) == "answered"
    assert used == [REPLICA, None]
    assert "failed during a request" in caplog.text
    used.clear()
    view(rf.get("/"))  # marked down in the cache: not tried again for a while
    assert used == [None]


def test_it_lets_a_primary_failure_through_and_keeps_the_replica(replica_on, rf, monkeypatch):
    monkeypatch.setattr(replica, "_answers", lambda alias: True)  # the replica still answers
    used = []

    @replica_reads
    def view(request):
        used.append(replica.current_alias())
        raise OperationalError("the primary went away")

    with pytest.raises(OperationalError):
        view(rf.get("/"))
    with pytest.raises(OperationalError):
        view(rf.get("/"))
    assert used == [REPLICA, REPLICA]  # not run again on the primary, nor marked down
