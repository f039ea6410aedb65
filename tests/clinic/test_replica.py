"""Reports and exports read the read replica; users see their own writes; bookings and a
failing replica fall back to the primary without an error.

The replica here is a second alias ("replica") mirroring the test database through its own
connection, so these tests commit their rows (transaction=True) and count the queries each
connection runs to tell which database answered.
"""

from __future__ import annotations

import datetime as dt
import logging
import socket
from dataclasses import dataclass

import pytest
from django.conf import settings as django_settings
from django.db import connections, transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from bookings.models import Appointment
from clinic import replica
from clinic.replica import reading_replica
from patients.models import Patient
from tests.bookings.factories import AppointmentFactory
from tests.patients.factories import EpisodeFactory, PatientFactory

REPLICA = "replica"
pytestmark = [
    pytest.mark.skipif(
        REPLICA not in django_settings.DATABASES,
        reason="DATABASE_REPLICA_URL is not set (scripts/with-test-services.sh sets it)",
    ),
    pytest.mark.django_db(transaction=True, databases=["default", REPLICA]),
]


@pytest.fixture
def replica_on(settings):
    settings.DATABASE_REPLICA_ALIAS = REPLICA


@dataclass
class Record:
    patient: Patient


@pytest.fixture
def record(therapist):
    """A patient with an episode and an appointment: enough for every export to show."""
    patient = PatientFactory(first_name="Juno", last_name="Lovelace")
    episode = EpisodeFactory(patient=patient)
    AppointmentFactory(patient=patient, therapist=therapist, episode=episode)
    return Record(patient=patient)


@pytest.fixture
def replica_down():
    """The replica's address turned into a closed port: nothing listens there."""
    replica_settings = connections[REPLICA].settings_dict
    saved = replica_settings["PORT"]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    connections[REPLICA].close()
    replica_settings["PORT"] = closed
    yield
    connections[REPLICA].close()
    replica_settings["PORT"] = saved


class Counted:
    """The statements each database ran inside the block (without connecting to either)."""

    def __enter__(self):
        self.primary: list[str] = []
        self.replica: list[str] = []
        self._wrappers = [
            connections["default"].execute_wrapper(self._recorder(self.primary)),
            connections[REPLICA].execute_wrapper(self._recorder(self.replica)),
        ]
        for wrapper in self._wrappers:
            wrapper.__enter__()
        return self

    def __exit__(self, *exc):
        for wrapper in reversed(self._wrappers):
            wrapper.__exit__(*exc)

    @staticmethod
    def _recorder(into: list[str]):
        def record(execute, sql, params, many, context):
            into.append(sql)
            return execute(sql, params, many, context)

        return record

    def replica_read(self, table: str) -> bool:
        return any(table in sql for sql in self.replica)


def _export(client, patient):
    return client.post(reverse("patients:privacy-export", args=[patient.public_id]))


def test_it_reads_the_privacy_export_from_the_replica(replica_on, record, manager_client):
    with Counted() as db:
        response = _export(manager_client, record.patient)
    assert response.status_code == 200
    assert "Juno" in response.content.decode()
    assert db.replica_read("patients_patient")
    # The export event is a write: the primary records it.
    assert any("INSERT" in sql for sql in db.primary)


def test_it_reads_nothing_from_the_replica_when_none_is_configured(record, manager_client):
    with Counted() as db:
        response = _export(manager_client, record.patient)
    assert response.status_code == 200
    assert "Juno" in response.content.decode()
    assert db.replica == []


def test_it_shows_a_user_their_own_write_from_the_primary(replica_on, record, manager_client):
    """Erase then export: a replica a second behind would still hold the patient's name."""
    erase = manager_client.post(
        reverse("patients:privacy", args=[record.patient.public_id]),
        {"reason": "Written request", "confirm": "on"},
    )
    assert erase.status_code == 302
    assert replica.COOKIE in erase.cookies
    with Counted() as db:
        response = _export(manager_client, record.patient)
    assert response.status_code == 200
    assert "Juno" not in response.content.decode()
    assert db.replica == []


def test_it_returns_to_the_replica_once_the_write_is_old(
    replica_on, settings, record, manager_client, time_machine
):
    settings.READ_YOUR_WRITES_SECONDS = 30
    manager_client.post(
        reverse("patients:privacy", args=[record.patient.public_id]),
        {"reason": "Written request", "confirm": "on"},
    )
    time_machine.move_to(timezone.now() + dt.timedelta(seconds=35))
    with Counted() as db:
        assert _export(manager_client, record.patient).status_code == 200
    assert db.replica_read("patients_patient")


def test_it_falls_back_to_the_primary_when_the_replica_port_is_closed(
    replica_on, replica_down, record, manager_client, caplog
):
    with caplog.at_level(logging.WARNING, logger="clinic.replica"), Counted() as db:
        first = _export(manager_client, record.patient)
        manager_client.cookies.pop(replica.COOKIE, None)
        second = _export(manager_client, record.patient)
    assert first.status_code == second.status_code == 200
    assert "Juno" in first.content.decode()
    assert db.replica == []
    warnings = [r.getMessage() for r in caplog.records if r.name == "clinic.replica"]
    # Probed once, the verdict kept in the cache for the second request.
    assert len(warnings) == 1
    assert "unreachable" in warnings[0]
    assert "reading from the primary" in warnings[0]


def test_it_falls_back_to_the_primary_when_the_replica_lags(
    replica_on, settings, monkeypatch, record, manager_client, caplog
):
    settings.DATABASE_REPLICA_MAX_LAG = 10
    monkeypatch.setattr(replica, "_LAG_SQL", "SELECT 75.0")
    with caplog.at_level(logging.WARNING, logger="clinic.replica"), Counted() as db:
        response = _export(manager_client, record.patient)
    assert response.status_code == 200
    assert "Juno" in response.content.decode()
    assert db.replica == []
    assert "75s behind the primary" in caplog.text


def test_it_books_and_finds_slots_on_the_primary_while_the_replica_is_up(
    replica_on, record, therapist, client
):
    """Bookings always use the primary: reception's pages and the booking service never read
    the replica, so nobody is offered a slot the primary has already given away."""
    from django.test import Client

    from clinic.models import User
    from tests.conftest import make_user

    reception = make_user("rita@test.example", User.Role.RECEPTION)
    desk = Client()
    desk.force_login(reception)
    with Counted() as db:
        for url in (
            reverse("bookings:home"),
            reverse("bookings:find_slot"),
            reverse("bookings:week"),
        ):
            assert desk.get(url).status_code == 200, url
        assert Appointment.objects.filter(patient=record.patient).exists()
    assert db.replica == []
    assert any("bookings_appointment" in sql for sql in db.primary)


def test_it_reads_the_primary_inside_a_transaction(replica_on, record):
    with reading_replica(), Counted() as db, transaction.atomic():
        assert Patient.objects.filter(pk=record.patient.pk).exists()
    assert db.replica == []


# --- Every view that opts in -------------------------------------------------------------

#: route name -> (method, the route's arguments from the record). A view decorated with
#: `replica_reads` and missing here fails the first test below.
ELIGIBLE = {
    "clinic:audit": ("get", lambda record: []),
    "patients:privacy-export": ("post", lambda record: [record.patient.public_id]),
    "interop_export:patient_bundle": ("post", lambda record: [record.patient.public_id]),
    "reports:sites": ("get", lambda record: []),
    "reports:sites_csv": ("get", lambda record: []),
}


def _marked_routes(resolver=None, namespace="") -> set[str]:
    found = set()
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found |= _marked_routes(entry, inner)
        elif isinstance(entry, URLPattern) and getattr(entry.callback, "reads_replica", False):
            found.add(f"{namespace}{entry.name}")
    return found


@pytest.mark.django_db  # reads no rows: no need to commit any
def test_it_lists_every_view_that_reads_the_replica():
    assert _marked_routes() == set(ELIGIBLE)
    assert not any(name.startswith("bookings") for name in _marked_routes())


def _walk(client, record):
    for name, (method, args) in ELIGIBLE.items():
        client.cookies.pop(replica.COOKIE, None)  # each as a first request, no recent write
        with Counted() as db:
            response = getattr(client, method)(reverse(name, args=args(record)))
        yield name, response, db


def test_it_reads_every_eligible_view_from_the_replica(replica_on, record, manager_client):
    _export(manager_client, record.patient)  # something in the audit trail
    for name, response, db in _walk(manager_client, record):
        assert response.status_code == 200, name
        assert db.replica, f"{name} read nothing from the replica"


def test_it_serves_every_eligible_view_with_the_replica_down(
    replica_on, replica_down, record, manager_client
):
    _export(manager_client, record.patient)
    for name, response, db in _walk(manager_client, record):
        assert response.status_code == 200, name
        assert db.replica == [], name
        if not name.startswith(("clinic:audit", "reports:")):  # no patient names there
            assert "Juno" in response.content.decode(), name
