"""/healthz tells a load balancer whether this web process can serve pages: the database and
the shared cache (sessions, locks, throttling) both answer. It names the failing check and
nothing else: no data, whoever asks."""

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
def test_it_answers_503_naming_the_cache_when_the_cache_is_unreachable(client, settings):
    _cache_at(settings, f"redis://127.0.0.1:{_closed_port()}/1")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "database": "ok",
        "cache": "error: ConnectionError",  # the kind of failure, never an address or password
    }


@pytest.mark.integration
@pytest.mark.django_db
def test_it_answers_503_when_the_cache_server_stops_and_200_once_it_is_back(
    client, settings, tmp_path
):
    server = RedisServer(tmp_path)
    server.start()
    try:
        _cache_at(settings, server.url)
        assert client.get("/healthz").status_code == 200
        server.stop()
        response = client.get("/healthz")
        assert (response.status_code, response.json()["cache"]) == (503, "error: ConnectionError")
        server.start()
        assert client.get("/healthz").status_code == 200
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
