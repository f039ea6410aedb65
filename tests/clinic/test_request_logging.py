"""What a request error prints in the `make run` terminal, with the logging of settings.LOGGING.

Expected refusals (a stale link's 404, another role's page's 403) are one line each; a real
server error keeps its traceback.
"""

from __future__ import annotations

import io
import logging

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _terminal_handlers() -> list[logging.StreamHandler]:
    """The stream handlers a django.request record reaches, as configured in settings.LOGGING
    (pytest's own capture handlers are subclasses and are left out)."""
    handlers = []
    logger = logging.getLogger("django.request")
    while logger is not None:
        handlers += [h for h in logger.handlers if type(h) is logging.StreamHandler]
        logger = logger.parent if logger.propagate else None
    return handlers


@pytest.fixture
def terminal(settings):
    settings.DEBUG = True  # as under `make run`
    handlers = _terminal_handlers()
    assert handlers, "settings.LOGGING sends request errors nowhere"
    stream = io.StringIO()
    previous = [handler.setStream(stream) for handler in handlers]
    yield stream
    for handler, old in zip(handlers, previous, strict=True):
        handler.setStream(old)


def _lines(stream: io.StringIO) -> list[str]:
    return [line for line in stream.getvalue().splitlines() if line.strip()]


def test_it_logs_a_404_as_one_line(client, terminal, therapist):
    client.force_login(therapist)
    response = client.get("/patients/00000000-0000-0000-0000-000000000000/")
    assert response.status_code == 404
    lines = _lines(terminal)
    assert len(lines) == 1, lines
    assert "WARNING django.request Not Found: /patients/00000000-" in lines[0]


def test_it_logs_a_403_as_one_line(client, terminal, reception):
    client.force_login(reception)
    response = client.get(reverse("clinic:dashboard"))  # a therapist's page
    assert response.status_code == 403
    lines = _lines(terminal)
    assert len(lines) == 1, lines
    assert "WARNING django.request Forbidden (Permission denied): /dashboard/" in lines[0]


def test_it_keeps_the_traceback_of_a_server_error(client, terminal, monkeypatch):
    def broken():
        raise RuntimeError("something really broke")

    monkeypatch.setattr("clinic.views.health.database_status", broken)
    client.raise_request_exception = False
    response = client.get("/healthz")
    assert response.status_code == 500
    output = terminal.getvalue()
    assert "ERROR django.request Internal Server Error: /healthz" in output
    assert "Traceback" in output
    assert "RuntimeError: something really broke" in output
