"""PostgreSQL stops: pages answer 503 with a plain "try again" page, /healthz says why, and the
site recovers by itself once the database is back.

The test stops the real test server started by scripts/with-test-services.sh (TEST_PG_*) and
talks HTTP to the live server, so each request goes through the whole middleware stack on
the server's own connection, the way gunicorn would run it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]


class PostgresServer:
    """The throwaway PostgreSQL server of scripts/with-test-services.sh."""

    def __init__(self):
        self.pg_ctl = os.environ["TEST_PG_CTL"]
        self.data = os.environ["TEST_PG_DATA"]
        self.options = os.environ["TEST_PG_OPTIONS"]
        user = os.environ["TEST_PG_USER"]
        # PostgreSQL refuses to run as root; the script runs it as another user then.
        self.prefix = ["runuser", "-u", user, "--"] if os.geteuid() == 0 else []

    def _ctl(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*self.prefix, self.pg_ctl, "-D", self.data, *args],
            capture_output=True,
            text=True,
            timeout=60,
        )

    def running(self) -> bool:
        return self._ctl("status").returncode == 0

    def stop(self) -> None:
        result = self._ctl("-m", "fast", "-w", "stop")
        assert result.returncode == 0, result.stderr

    def start(self) -> None:
        if self.running():
            return
        log = os.path.join(self.data, "server.log")
        result = self._ctl("-w", "-l", log, "-o", self.options, "start")
        assert result.returncode == 0, result.stderr


@pytest.fixture
def postgres(transactional_db, live_server):
    if "TEST_PG_CTL" not in os.environ or connection.vendor != "postgresql":
        pytest.skip("needs the test PostgreSQL server: run through scripts/with-test-services.sh")
    server = PostgresServer()
    yield server
    server.start()  # whatever happened, later tests need their database
    connection.close()  # this thread's connection died with the server


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """A cookie-keeping HTTP client that reports every status instead of raising."""

    def __init__(self, base_url: str, session: str = ""):
        self.base_url = base_url
        self.session = session
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(CookieJar()), _NoRedirect
        )

    def request(self, path: str, data: dict | None = None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        headers = (
            {"Cookie": f"{settings.SESSION_COOKIE_NAME}={self.session}"} if self.session else {}
        )
        # The live server's own http:// address, nothing a user typed.
        request = urllib.request.Request(self.base_url + path, data=body, headers=headers)  # noqa: S310
        try:
            response = self.opener.open(request, timeout=30)
        except urllib.error.HTTPError as error:
            response = error
        with response:
            return response.status, response.headers, response.read().decode()


def _signed_in(live_server, user) -> Browser:
    client = Client()
    client.force_login(user)
    return Browser(live_server.url, session=client.cookies[settings.SESSION_COOKIE_NAME].value)


def _assert_retry_page(status, headers, body):
    assert status == 503, body[:500]
    assert headers["Retry-After"] == "30"
    assert headers["Content-Type"].startswith("text/html")
    assert "no-store" in headers.get("Cache-Control", "")
    assert "Please try again in 30 seconds" in body
    assert "Traceback" not in body


def test_it_answers_503_with_a_retry_page_while_the_database_is_down(
    postgres, live_server, therapist
):
    staff = _signed_in(live_server, therapist)
    visitor = Browser(live_server.url)
    status, _, _ = staff.request("/patients/")
    assert status == 200  # and the live server now holds a connection that is about to die
    status, _, login_page = visitor.request("/accounts/login/")
    assert status == 200
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page).group(1)

    postgres.stop()
    try:
        # Signed in: the session and user lookups in the middleware fail first.
        _assert_retry_page(*staff.request("/patients/"))
        # Signing in: the view itself fails to read the user.
        _assert_retry_page(
            *visitor.request(
                "/accounts/login/",
                {"username": therapist.email, "password": PASSWORD, "csrfmiddlewaretoken": csrf},
            )
        )
        # A page that is not there needs the user for its layout: still "try again".
        _assert_retry_page(*staff.request("/no-such-page/"))

        status, _, body = Browser(live_server.url).request("/healthz")
        assert status == 503
        report = json.loads(body)
        assert report["status"] == "unavailable"
        assert report["database"].startswith("error")
        assert report["cache"] == "ok"
    finally:
        postgres.start()

    # Nobody restarts the site: the next request opens a fresh connection.
    status, _, _ = staff.request("/patients/")
    assert status == 200
    status, _, body = Browser(live_server.url).request("/healthz")
    assert (status, json.loads(body)["database"]) == (200, "ok")
