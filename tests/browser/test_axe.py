"""axe-core over every page of the site, as every role that may open it, on a laptop and a phone.

The page list is not kept by hand: it is the URLconf, walked with the ROUTES of
tests/security/test_url_walk.py (which already knows how to build each URL with real records
and who may open it). Every route that answers GET is opened by each role allowed to use it;
whatever HTML comes back (a redirect's landing page, a 404 page) is checked. A new page is
checked as soon as it has its ROUTES entry, which test_url_walk.py already demands.

axe-core comes bundled with axe-playwright-python and runs in the site's own Chromium. Only the
WCAG 2.0/2.1/2.2 A and AA rules run; any violation fails, except those listed in EXCEPTIONS.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.test import Client
from django.urls import reverse
from playwright.sync_api import Error as PlaywrightError

from exercises.library import library_load
from exercises.models import Exercise
from tests.security.conftest import world  # noqa: F401  (the records every URL is built from)
from tests.security.test_url_walk import ALLOWED, OPTIONAL, ROLES, ROUTES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
VIEWPORTS = {
    "laptop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}

#: Accepted violations: (axe rule id, route name) -> why. Keep it empty unless a page truly
#: cannot pass and the reason is written here for the next person to re-check.
EXCEPTIONS: dict[tuple[str, str], str] = {}

#: axe-core as bundled (and versioned) by axe-playwright-python. It is added to each context as
#: an init script, once, rather than sent into every page the way Axe.run does (measured on a
#: loaded machine: about 0.5 s a page that way, 0.1 s this way, over ~300 pages a walk).
AXE_SCRIPT = Axe().axe_script


@pytest.fixture
def site(transactional_db, request):
    """The security walk's world, after reloading the exercise library that an earlier
    transactional test may have flushed."""
    library_load(Exercise)
    return request.getfixturevalue("world")


def pages_for(role: str | None) -> Iterator[str]:
    """Names of the routes `role` may open with GET, in URLconf order of ROUTES."""
    for name, route in ROUTES.items():
        if name in OPTIONAL or route.post_only or role not in ALLOWED[route.access]:
            continue
        yield name


def _signed_in(browser, live_server, user, viewport: str):
    context = browser.new_context(base_url=live_server.url, **VIEWPORTS[viewport])
    context.set_default_timeout(15_000)
    context.add_init_script(script=AXE_SCRIPT)
    if user is not None:
        client = Client()
        client.force_login(user)
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )
    return context


def violations(page, name: str) -> list[tuple[str, str]]:
    """axe's WCAG A/AA violations on the open page, less the recorded exceptions, as
    (rule and what it asks, element and what is wrong) pairs."""
    found = []
    results = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    for violation in results["violations"]:
        if (violation["id"], name) in EXCEPTIONS:
            continue
        for node in violation["nodes"]:
            why = node["failureSummary"].splitlines()[-1].strip()
            found.append((f"{violation['id']} ({violation['help']})", f"{node['target']}: {why}"))
    return found


def _report(problems: dict[tuple[str, str, str, str], list[str]]) -> str:
    """One line per distinct problem, with the pages it was seen on."""
    lines = []
    for (role, viewport, rule, where), pages in sorted(problems.items()):
        shown = ", ".join(pages[:6]) + (f" and {len(pages) - 6} more" if len(pages) > 6 else "")
        lines.append(f"[{role}, {viewport}] {rule} at {where}\n    on {shown}")
    return f"{len(lines)} accessibility problems:\n" + "\n".join(lines)


def test_it_finds_no_wcag_violation_on_any_page_for_any_role(browser, live_server, site):
    """One world for all roles (building it is a good part of the time); each role and width
    has its own browser context, reused for all its pages."""
    users = {
        None: None,
        "patient": site.a.user,
        "reception": site.reception,
        "therapist": site.therapist,
        "manager": site.manager,
    }
    problems: dict[tuple[str, str, str, str], list[str]] = {}
    for role in ROLES:
        urls = {name: reverse(name, kwargs=ROUTES[name].kwargs(site)) for name in pages_for(role)}
        checked, started = 0, time.monotonic()
        for viewport in VIEWPORTS:
            context = _signed_in(browser, live_server, users[role], viewport)
            page = context.new_page()
            seen = set()  # pages reached twice (a redirect to the role's home) are checked once
            try:
                for name, url in urls.items():
                    try:
                        response = page.goto(url)
                    except PlaywrightError as error:
                        # A file the browser saves (a calendar feed, an export), not a page.
                        if "Download is starting" in str(error):
                            continue
                        raise
                    assert response is not None, name
                    assert response.status < 500, f"{name} as {role}: server error"
                    if not response.headers.get("content-type", "").startswith("text/html"):
                        continue  # videos, pictures, captions
                    if page.url in seen:
                        continue
                    seen.add(page.url)
                    checked += 1
                    for rule, where in violations(page, name):
                        problems.setdefault(
                            (role or "anonymous", viewport, rule, where), []
                        ).append(name)
            finally:
                context.close()
        if os.environ.get("AXE_REPORT"):
            print(f"\naxe: {checked} pages as {role} in {time.monotonic() - started:.0f} s")
        assert checked > len(urls) / 2, f"too few HTML pages checked as {role}: {checked}"
    assert not problems, _report(problems)


def test_it_reports_a_violation_when_there_is_one(browser):
    """The check is real: a page with an unnamed button and pale text fails it."""
    context = browser.new_context()
    context.add_init_script(script=AXE_SCRIPT)
    page = context.new_page()
    try:
        page.set_content(
            '<html lang="en"><head><title>t</title></head><body><main>'
            '<p style="color:#bbb">Pale words</p><button></button></main></body></html>'
        )
        found = {rule.split(" ")[0] for rule, _ in violations(page, "made-up")}
    finally:
        context.close()
    assert found == {"color-contrast", "button-name"}
