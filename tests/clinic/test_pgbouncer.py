"""The site through PgBouncer in transaction mode, with the settings DATABASE_PGBOUNCER=true
gives (config/databases.py).

In transaction mode each transaction may run on a different server connection, so anything a
session keeps between transactions is lost. These run the code paths that could depend on it
through a real PgBouncer (scripts/with-test-services.sh starts one, TEST_PGBOUNCER_URL):
a booking race (row locks and the exclusion constraint), the reminder claim, a long
`.iterator()`, a signed-in session and the audit trail it writes.
"""

from __future__ import annotations

import os
import shutil
import threading
from contextlib import closing
from pathlib import Path

import psycopg2
import pytest
from django.core import mail
from django.db import DatabaseError, connections
from django.urls import reverse

from bookings import services as bookings
from bookings.models import Appointment
from clinic.env import EnvReader
from clinic.models import AuditEvent
from config.databases import databases_from_env
from exercises.library import library_load
from exercises.models import Exercise
from notifications.models import ReminderDelivery
from notifications.sending import deliveries_send
from notifications.tasks import send_reminder
from patients.models import Patient
from tests.bookings.factories import at, follow_up, give_hours
from tests.conftest import PASSWORD
from tests.notifications.test_send_batches import NOON, due_deliveries
from tests.patients.factories import PatientFactory

PGBOUNCER_URL = os.environ.get("TEST_PGBOUNCER_URL", "")


def _skip_reason() -> str:
    if PGBOUNCER_URL:
        return ""
    if shutil.which("pgbouncer") is None and os.geteuid() != 0:
        return "pgbouncer is not installed and we are not root to install it"
    return "TEST_PGBOUNCER_URL is not set: run through scripts/with-test-services.sh"


pytestmark = [
    pytest.mark.skipif(bool(_skip_reason()), reason=_skip_reason() or "-"),
    pytest.mark.django_db(transaction=True),
]


def _test_database_url() -> str:
    """PgBouncer's address for the test database (its pool is per database)."""
    return PGBOUNCER_URL.rsplit("/", 1)[0] + "/" + connections["default"].settings_dict["NAME"]


def _pgbouncer_settings(*, pgbouncer: bool) -> dict:
    """What the site's settings make of DATABASE_URL=<PgBouncer> for the test database."""
    url = _test_database_url()
    env = EnvReader({"DATABASE_URL": url, "DATABASE_PGBOUNCER": "true" if pgbouncer else ""})
    return databases_from_env(env, var_dir=Path("var"))["default"]


@pytest.fixture(scope="module", autouse=True)
def _pgbouncer_lets_the_test_database_go():
    """PgBouncer keeps server connections open; the test database cannot be dropped while
    they are, so close them (its admin console's KILL) once these tests are done."""
    yield
    name = connections["default"].settings_dict["NAME"]
    with closing(psycopg2.connect(PGBOUNCER_URL.rsplit("/", 1)[0] + "/pgbouncer")) as admin:
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(f"KILL {name}")
            cursor.execute(f"RESUME {name}")


@pytest.fixture
def through_pgbouncer():
    """Every connection of the "default" alias, in this thread and any other, goes through
    PgBouncer with the DATABASE_PGBOUNCER=true settings until the test ends."""
    shared = connections.settings["default"]  # the dict each new connection is built from
    saved = dict(shared)
    connections["default"].close()
    shared.update(_pgbouncer_settings(pgbouncer=True))
    assert shared["DISABLE_SERVER_SIDE_CURSORS"] is True
    yield
    connections["default"].close()
    shared.clear()
    shared.update(saved)


def _on_pgbouncer() -> bool:
    """True when this thread's "default" connection is a client of PgBouncer (it answers
    with its own port, and the server sees the connection coming from PgBouncer)."""
    connection = connections["default"]
    connection.ensure_connection()
    return str(connection.connection.info.port) == PGBOUNCER_URL.rsplit(":", 1)[1].split("/")[0]


@pytest.fixture
def hold_a_server_connection():
    """Another client of PgBouncer in an open transaction: it keeps the server connection
    the previous transaction released, so the next transaction lands on a different one."""
    holder = psycopg2.connect(_test_database_url())

    def hold():
        with holder.cursor() as cursor:
            cursor.execute("SELECT 1")  # psycopg2 opens a transaction and keeps it open

    yield hold
    holder.rollback()
    holder.close()


def test_it_books_exactly_one_of_eight_racing_attempts(through_pgbouncer, therapist):
    give_hours(therapist)
    patients = [PatientFactory() for _ in range(8)]
    start = at("2026-03-24", "10:00")
    barrier = threading.Barrier(len(patients))
    outcomes: list[str] = []

    def attempt(patient):
        try:
            barrier.wait(timeout=30)
            assert _on_pgbouncer()
            bookings.appointment_book(
                patient=patient,
                therapist=therapist,
                appointment_type=follow_up(),
                start=start,
                by=None,
            )
            outcomes.append("booked")
        except bookings.BookingConflictError:
            outcomes.append("conflict")
        except Exception as exc:  # any other failure fails the test
            outcomes.append(f"error: {exc!r}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(patient,)) for patient in patients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["booked"] + ["conflict"] * (len(patients) - 1)
    assert Appointment.objects.filter(therapist=therapist).count() == 1


def test_it_sends_each_claimed_reminder_once(through_pgbouncer, therapist, monkeypatch):
    monkeypatch.setattr(send_reminder, "apply_async", lambda *args, **kwargs: None)
    library_load(Exercise)  # earlier transactional tests may have flushed the migration's rows
    assert _on_pgbouncer()
    ids = [delivery.pk for delivery in due_deliveries(therapist, 3)]
    deliveries_send(delivery_ids=ids, now=NOON)
    deliveries_send(delivery_ids=ids, now=NOON)  # a second worker finds nothing to claim
    assert len(mail.outbox) == 3
    assert set(ReminderDelivery.objects.values_list("status", flat=True)) == {"sent"}


def test_it_reads_a_long_iterator_while_other_clients_use_the_pool(
    through_pgbouncer, hold_a_server_connection
):
    Patient.objects.bulk_create(
        Patient(first_name=f"Runner{n}", last_name="Pool", date_of_birth="1990-01-01")
        for n in range(1200)
    )
    assert _on_pgbouncer()
    names = []
    for number, patient in enumerate(Patient.objects.order_by("pk").iterator(chunk_size=100)):
        if number == 150:  # between two chunks
            hold_a_server_connection()
        names.append(patient.first_name)
    assert len(names) == 1200


def test_it_would_lose_a_server_side_cursor_without_the_setting(
    through_pgbouncer, hold_a_server_connection
):
    """Why DATABASE_PGBOUNCER=true turns server-side cursors off: the cursor `.iterator()`
    declares lives in one server connection, and the next FETCH may run on another."""
    Patient.objects.bulk_create(
        Patient(first_name=f"Runner{n}", last_name="Pool", date_of_birth="1990-01-01")
        for n in range(300)
    )
    settings = _pgbouncer_settings(pgbouncer=False)
    assert "DISABLE_SERVER_SIDE_CURSORS" not in settings
    connections["default"].close()
    connections.settings["default"]["DISABLE_SERVER_SIDE_CURSORS"] = False
    rows = Patient.objects.order_by("pk").iterator(chunk_size=100)
    next(rows)
    hold_a_server_connection()
    # Django's error, or psycopg2's own from the cursor's CLOSE on the way out.
    with pytest.raises((DatabaseError, psycopg2.Error), match="does not exist"):
        for _ in rows:
            pass


def test_it_keeps_the_time_zone_on_every_server_connection(hold_a_server_connection):
    """Django sets the session's time zone when the server's differs; PgBouncer re-applies
    it to whichever server connection serves the client next."""
    with closing(psycopg2.connect(_test_database_url())) as client:
        client.autocommit = True
        with client.cursor() as cursor:
            cursor.execute("SET TIME ZONE 'Pacific/Auckland'")
            hold_a_server_connection()
            cursor.execute("SHOW TimeZone")
            assert cursor.fetchone()[0] == "Pacific/Auckland"


def test_it_signs_in_and_records_the_audit_trail(through_pgbouncer, client, therapist):
    patient = PatientFactory(first_name="Wren")
    assert _on_pgbouncer()
    signed_in = client.post(
        reverse("login"), {"username": therapist.email, "password": PASSWORD}, follow=True
    )
    assert signed_in.status_code == 200
    assert signed_in.context["user"] == therapist
    page = client.get(reverse("patients:detail", args=[patient.public_id]))
    assert page.status_code == 200
    assert "Wren" in page.content.decode()
    assert AuditEvent.objects.filter(patient=patient, actor=therapist).exists()
