"""Sessions: read from Redis in production, the staff idle limit kept exactly, and no session
write on ordinary page views."""

import datetime as dt
import os
import subprocess
import sys

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clinic.rows import logged_sql

pytestmark = pytest.mark.django_db

IDLE = 30 * 60
START = dt.datetime(2026, 11, 2, 9, 0, tzinfo=dt.UTC)
PAGE = "/dashboard/"
LOGIN = "/accounts/login/"
PRODUCTION = "clinic.sessions"
ENGINES = ["django.contrib.sessions.backends.db", PRODUCTION]


def _at(seconds: int):
    return time_machine.travel(START + dt.timedelta(seconds=seconds), tick=False)


def _signed_in(response) -> bool:
    if response.status_code == 200:
        return True
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    return False


def _session_sql(queries) -> list[str]:
    return [sql for sql in map(logged_sql, (q["sql"] for q in queries)) if "django_session" in sql]


@pytest.fixture
def production_sessions(settings):
    settings.SESSION_ENGINE = PRODUCTION


@pytest.mark.parametrize("engine", ENGINES)
def test_it_keeps_a_staff_session_until_the_idle_limit_and_not_a_second_longer(
    engine, settings, client, therapist
):
    settings.SESSION_ENGINE = engine
    with _at(0):
        client.force_login(therapist)
        assert _signed_in(client.get(PAGE))  # starts the timer
    with _at(IDLE - 1):
        assert _signed_in(client.get(PAGE))  # restarts it
    with _at(IDLE - 1 + IDLE - 1):
        assert _signed_in(client.get(PAGE))
    with _at(IDLE - 1 + IDLE - 1 + IDLE):
        assert not _signed_in(client.get(PAGE))


@pytest.mark.parametrize("engine", ENGINES)
def test_it_never_stretches_the_limit_for_views_that_did_not_restart_the_timer(
    engine, settings, client, therapist
):
    # The timer restarts at most once a minute, so a view 59 s after a restart does not move it:
    # the session ends IDLE seconds after the restart, earlier than IDLE after that last view,
    # never later. (Redis keeps real-time expiry, so under a frozen clock the cached store
    # returns the session and only the middleware's own check refuses it.)
    settings.SESSION_ENGINE = engine
    with _at(0):
        client.force_login(therapist)
        assert _signed_in(client.get(PAGE))
    with _at(59):
        assert _signed_in(client.get(PAGE))
    with _at(IDLE):
        assert not _signed_in(client.get(PAGE))
    with _at(IDLE + 1):  # and it stays signed out
        assert not _signed_in(client.get(PAGE))


def test_it_writes_a_staff_session_at_most_once_a_minute(settings, client, therapist):
    settings.SESSION_ENGINE = ENGINES[0]
    writes = []
    client.force_login(therapist)
    for second in (0, 1, 30, 59, 60, 61, 119, 120):
        with _at(second), CaptureQueriesContext(connection) as queries:
            assert _signed_in(client.get(PAGE))
        sql = _session_sql(queries.captured_queries)
        if any(s.startswith(("UPDATE", "INSERT")) for s in sql):
            writes.append(second)
    assert writes == [0, 60, 120]


def test_it_reads_a_signed_in_session_without_a_database_query(
    production_sessions, client, therapist
):
    client.force_login(therapist)
    client.get(PAGE)  # starts the idle timer: written to the database and the cache
    with CaptureQueriesContext(connection) as queries:
        assert _signed_in(client.get(PAGE))
    assert _session_sql(queries.captured_queries) == []


def test_it_signs_nobody_out_when_the_cache_is_flushed(
    production_sessions, client, therapist, patient_user
):
    from tests.clinic.test_roles import _patient_record

    _patient_record(patient_user)
    portal = type(client)()
    portal.force_login(patient_user)
    client.force_login(therapist)
    assert _signed_in(client.get(PAGE))
    assert portal.get("/portal/").status_code == 200
    cache.clear()
    assert _signed_in(client.get(PAGE))
    assert portal.get("/portal/").status_code == 200
    with CaptureQueriesContext(connection) as queries:  # the cache was filled again
        assert _signed_in(client.get(PAGE))
    assert _session_sql(queries.captured_queries) == []


def test_it_signs_in_and_out_while_the_cache_is_down(production_sessions, settings, client):
    settings.CACHES = {
        "default": {
            "BACKEND": "clinic.cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # discard port: nothing listens
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    from clinic.models import User
    from tests.conftest import PASSWORD

    therapist = User.objects.create_user(
        email="down@test.example", password=PASSWORD, role=User.Role.THERAPIST
    )
    response = client.post(LOGIN, {"username": therapist.email, "password": PASSWORD})
    assert response.status_code == 302
    assert _signed_in(client.get("/patients/"))
    assert client.post("/accounts/logout/").status_code == 302
    assert not _signed_in(client.get("/patients/"))


def test_it_still_asks_staff_for_their_second_step_with_cached_sessions(
    production_sessions, settings, client, therapist
):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.STAFF_2FA_REQUIRED = True
    TOTPDevice.objects.create(user=therapist, name="phone", confirmed=True)
    client.force_login(therapist)
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/2fa/verify/")


def _engine_of(**env) -> str:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL"))
    }
    clean.update(env, DJANGO_SETTINGS_MODULE="config.settings")
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; from django.conf import settings; print(settings.SESSION_ENGINE)",
        ],
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_it_reads_sessions_from_redis_in_production_and_the_database_for_make_run():
    assert _engine_of(CELERY_BROKER_URL="redis://redis.internal:6379/0") == PRODUCTION
    assert _engine_of() == "django.contrib.sessions.backends.db"
