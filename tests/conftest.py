"""Fixtures shared by the whole suite: users in each role and logged-in clients."""

from __future__ import annotations

import os

import pytest
from django.db import connection
from hypothesis import settings as hypothesis_settings

from clinic.models import User

# In CI, Hypothesis replays the same examples every run, so a landing never depends on the
# luck of the draw; locally it keeps exploring new ones (APEX_FUZZ_EXAMPLES goes deeper).
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

PASSWORD = "correct-horse-battery-staple"


def pytest_report_header(config):
    from django.conf import settings

    db = settings.DATABASES["default"]
    broker = settings.CELERY_BROKER_URL.split("://", 1)[0]
    return [f"apex: database engine {db['ENGINE']}, Celery broker {broker}"]


@pytest.fixture(scope="session", autouse=True)
def _require_real_services(django_db_setup, django_db_blocker):
    """`make test` promises PostgreSQL and Redis: never fall back to SQLite silently."""
    vendor, version = connection.vendor, "n/a"
    # pytest-django sets up no test database when none of the chosen tests uses one (a file of
    # settings checks run alone): then there is no database to ask for its version.
    test_database = str(connection.settings_dict["NAME"]).startswith("test_")
    if vendor == "postgresql" and test_database:
        with django_db_blocker.unblock(), connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
    from django.conf import settings

    if os.environ.get("APEX_REQUIRE_SERVICES") == "1":
        assert vendor == "postgresql", "make test must run on PostgreSQL, not " + vendor
        assert settings.CELERY_BROKER_URL.startswith("redis://"), "make test must use Redis"
    print(f"\napex: tests run on {vendor} {version}, broker {settings.CELERY_BROKER_URL}")


@pytest.fixture(autouse=True)
def _empty_cache():
    """Pages cache some results (dashboard alerts): no test may see another test's."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _sessions_in_the_database(settings):
    """Production reads sessions from Redis (clinic/sessions.py, tested in test_sessions.py).
    Elsewhere the session read stays a query, so pinned query counts keep one meaning: each
    is at most one more than production runs."""
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"


@pytest.fixture(autouse=True)
def _reads_from_the_primary(settings):
    """A replica alias mirrors the test database, but through its own connection it cannot see
    rows a test wrote inside the test's transaction: reads stay on the primary unless a test
    asks for the replica (tests/clinic/test_replica.py, which commits its rows)."""
    settings.DATABASE_REPLICA_ALIAS = None


@pytest.fixture(autouse=True)
def _account_emails_in_the_outbox(settings):
    """Production queues account emails and decision texts on Celery's `default` queue
    (clinic.mail, bookings/requests/messages.py); here they go through EMAIL_BACKEND and the SMS
    backend in-process: the test outbox, or whatever a test sets (the queues:
    test_account_email_queue.py, tests/bookings/test_decision_text_queued.py)."""
    settings.TRANSACTIONAL_EMAIL_BACKEND = None
    settings.TRANSACTIONAL_SMS_QUEUED = False


@pytest.fixture
def queued_emails(settings):
    """Emails a person is waiting for go to Celery's `default` queue, as in production."""
    settings.TRANSACTIONAL_EMAIL_BACKEND = "clinic.mail.QueuedEmailBackend"


@pytest.fixture
def queued_email_calls(monkeypatch):
    """What was handed to the `clinic.send_email` task: (args, options) per email."""
    from clinic.tasks import send_email

    calls = []
    monkeypatch.setattr(
        send_email, "apply_async", lambda args, **kwargs: calls.append((args, kwargs))
    )
    return calls


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def make_user(email: str, role: str, **extra) -> User:
    return User.objects.create_user(email=email, password=PASSWORD, role=role, **extra)


@pytest.fixture
def therapist(db) -> User:
    return make_user("therapist@test.example", User.Role.THERAPIST, first_name="Tess")


@pytest.fixture
def other_therapist(db) -> User:
    return make_user("colleague@test.example", User.Role.THERAPIST, first_name="Colin")


@pytest.fixture
def reception(db) -> User:
    return make_user("reception@test.example", User.Role.RECEPTION, first_name="Rita")


@pytest.fixture
def patient_user(db) -> User:
    return make_user("patient@test.example", User.Role.PATIENT, first_name="Pat")


@pytest.fixture
def patient_client(client, patient_user):
    """The test client signed in as `patient_user` (a portal login)."""
    client.force_login(patient_user)
    return client


@pytest.fixture
def manager(db) -> User:
    return User.objects.create_superuser(email="manager@test.example", password=PASSWORD)


@pytest.fixture
def therapist_client(client, therapist):
    client.force_login(therapist)
    return client


@pytest.fixture
def reception_client(client, reception):
    client.force_login(reception)
    return client


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def cache_down(settings):
    """The shared cache at a loopback port where nothing listens, as when Redis has stopped."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.CACHES = {
        "default": {
            "BACKEND": "clinic.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/1",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
