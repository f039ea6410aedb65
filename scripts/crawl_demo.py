"""Sign in as every demo account and follow the site's own links, as a new user of `make run`
would: every page reached must answer without a server error.

    .venv/bin/python scripts/crawl_demo.py [--pages N]

Runs against whatever database the settings name (on `make run`'s defaults, the SQLite file
that `seed_demo` filled), in-process through Django's test client with production-like
settings left as they are. Only GET links inside the site are followed (no sign-out, no
downloads of files the demo did not create); forms are not submitted. Prints each page that
failed and exits 1 if any did. `tests/test_make_run.py` runs it on a fresh SQLite database.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections import deque
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

ROOT = Path(__file__).resolve().parent.parent
LINK = re.compile(r"""<a\s[^>]*href="([^"]+)\"""", re.IGNORECASE)
#: Links a visitor may follow but that end the visit or leave the pages under test.
SKIPPED = ("/accounts/logout", "/logout", "/static/", "/media/", "/admin/logout")


def clients():
    """A signed-in test client per demo account (staff with their two-factor step done)."""
    import time

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from clinic.models import User

    engine = __import__(settings.SESSION_ENGINE, fromlist=["SessionStore"])
    for user in User.objects.filter(email__endswith="@example.com").order_by("email"):
        session = engine.SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        if user.role != User.Role.PATIENT:
            device, _ = TOTPDevice.objects.get_or_create(
                user=user, name="crawl", defaults={"confirmed": True}
            )
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session["_idle_touch"] = int(time.time())
        session.create()
        client = Client(raise_request_exception=False)
        client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
        yield user, client


def crawl(client, *, limit: int) -> tuple[int, list[str]]:
    seen, failed = {"/"}, []
    queue = deque(["/"])
    while queue and len(seen) <= limit:
        url = queue.popleft()
        response = client.get(url, follow=True)
        if response.status_code >= 500:
            failed.append(f"{response.status_code} {url}")
            continue
        if "html" not in response.get("Content-Type", ""):
            continue
        for href in LINK.findall(response.content.decode(errors="replace")):
            href = urldefrag(href.replace("&amp;", "&"))[0]
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not href.startswith("/"):
                continue
            if href.startswith(SKIPPED) or href in seen:
                continue
            seen.add(href)
            queue.append(href)
    return len(seen), failed


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=120, help="pages per account at most")
    pages = parser.parse_args().pages
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection

    failures = []
    for user, client in clients():
        count, failed = crawl(client, limit=pages)
        print(f"crawl: {user.email} ({user.role}) {count} pages, {len(failed)} failed")
        failures += [f"{user.email}: {line}" for line in failed]
    print(f"crawl: database {connection.vendor}")
    for line in failures:
        print("FAILED", line)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
