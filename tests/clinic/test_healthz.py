"""/healthz tells a load balancer whether this web process can serve pages. The database is
required: without it every page answers 503, so /healthz does too. The shared cache is not:
sessions are kept in the database as well (clinic/sessions.py), login throttling is in the
database (django-axes) and the dashboard's alerts are computed afresh on a cache miss, so
without Redis pages still work, only slower. Then /healthz answers 200 with the cache named as
degraded, so a load balancer keeps every instance in while an operator sees what to fix. It
names each check's state and nothing else: no data, whoever asks."""

import socket

import pytest
from django.db import OperationalError, connection

from tests.notifications.integration import RedisServer


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _cache_at(settings, url: str) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "clinic.cache.RedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }


@pytest.mark.django_db
def test_it_is_healthy_when_database_and_cache_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}


@pytest.mark.django_db
def test_it_answers_200_naming_the_cache_degraded_when_the_cache_is_unreachable(client, settings):
    _cache_at(settings, f"redis://127.0.0.1:{_closed_port()}/1")
    response = client.get("/healthz")
    assert response.status_code == 200  # the instance still serves pages: keep it in
    assert response.json() == {
        "status": "degraded",
        "database": "ok",
        "cache": "error: ConnectionError",  # the kind of failure, never an address or password
    }


@pytest.mark.django_db
def test_it_answers_503_when_the_database_is_down_whatever_the_cache(client, settings, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection to server at 10.0.0.5 failed: Connection refused")

    _cache_at(settings, f"redis://127.0.0.1:{_closed_port()}/1")
    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "error: OperationalError",
        "cache": "error: ConnectionError",
    }


@pytest.mark.integration
@pytest.mark.django_db
def test_it_stays_200_and_pages_keep_working_while_the_cache_server_is_stopped(
    client, settings, tmp_path, therapist, reception, patient_user
):
    from tests.clinic.test_roles import _patient_record

    _patient_record(patient_user)
    settings.SESSION_ENGINE = "clinic.sessions"  # production's: read from Redis, kept in the db
    server = RedisServer(tmp_path)
    server.start()
    try:
        _cache_at(settings, server.url)
        staff, desk, portal = client, type(client)(), type(client)()
        staff.force_login(therapist)
        desk.force_login(reception)
        portal.force_login(patient_user)
        pages = [
            (staff, "/dashboard/"),
            (staff, "/patients/"),
            (desk, "/bookings/"),
            (portal, "/portal/"),
        ]
        assert [c.get(url).status_code for c, url in pages] == [200] * len(pages)
        assert client.get("/healthz").json()["status"] == "ok"

        server.stop()
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {
            "status": "degraded",
            "database": "ok",
            "cache": "error: ConnectionError",
        }
        # Everyone stays signed in and sees their pages (the dashboard's alerts computed afresh).
        assert [c.get(url).status_code for c, url in pages] == [200] * len(pages)

        server.start()
        assert client.get("/healthz").json()["status"] == "ok"
    finally:
        server.stop()


@pytest.mark.django_db
def test_it_answers_503_naming_the_database_when_the_database_does_not_answer(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection to server at 10.0.0.5 failed: Connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "error: OperationalError",
        "cache": "ok",
    }


@pytest.mark.django_db
def test_it_does_not_need_the_broker(client, settings):
    # Pages render without the broker; the workers' health is `manage.py healthcheck worker`.
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{_closed_port()}/0"
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["patient_user", "therapist", "manager", None])
def test_it_gives_everyone_the_same_answer_with_no_data_and_no_session(client, request, who):
    if who:
        client.force_login(request.getfixturevalue(who))
    from django.contrib.sessions.models import Session

    sessions = Session.objects.count()
    response = client.get("/healthz")
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert not response.cookies  # no session written or refreshed
    assert Session.objects.count() == sessions
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_it_answers_head_like_get_for_uptime_monitors(client):
    response = client.head("/healthz")
    assert response.status_code == 200
    assert response.content == b""
    assert response["Content-Type"] == "application/json"
