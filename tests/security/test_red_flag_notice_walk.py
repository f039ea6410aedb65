"""Every page a signed-in patient can open shows, at the top, what to do after a confirmed red
flag while the referral is open, and none shows it otherwise (SPEC 3.9b, amendment 26).

The pages come from the URL resolver itself (every route the URL walk lets a patient open:
the portal's, the patient's own account pages and the public ones), with their arguments from
the walk's ROUTES, so a new portal page is checked without anyone adding it here.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.exercises.factories import confirmed_decision
from tests.security.test_url_walk import ALLOWED, ROUTES, url_patterns

pytestmark = pytest.mark.django_db

NOTICE = 'class="alert alert-danger red-flag-notice'
ACTION = "Please see a doctor today."
#: Portal routes that answer patient A with something other than a page: a picture or a video
#: with its poster and captions (A's plan has none, 404) and forms that take POST only (405 to
#: a GET).
NOT_PAGES = {"portal:illustration", "portal:video", "portal:video_poster", "portal:video_captions"}


def patient_pages() -> list[str]:
    """Every route a signed-in patient may GET, by name."""
    return sorted(
        name
        for name, _ in url_patterns()
        if name in ROUTES
        and "patient" in ALLOWED[ROUTES[name].access]
        and not ROUTES[name].post_only
        and name not in NOT_PAGES
    )


def _visit(world, name: str) -> str:
    """The page as patient A sees it; "" for a public route that is no page for them (one that
    sends a signed-in patient elsewhere, or answers JSON). The portal's own are all pages."""
    url = reverse(name, kwargs=ROUTES[name].kwargs(world))
    response = world.client_for("patient").get(url)
    own = name.startswith("portal:") or ROUTES[name].access == "patient"
    if not own and (
        response.status_code != 200 or not response["Content-Type"].startswith("text/html")
    ):
        return ""
    assert response.status_code == 200, f"{name}: {response.status_code}"
    assert response["Content-Type"].startswith("text/html"), name
    return response.content.decode()


def test_it_finds_every_portal_page():
    found = set(patient_pages())
    assert {
        "portal:home",
        "portal:log",
        "portal:history",
        "portal:history_detail",
        "portal:safety",
        "portal:safety_log",
        "portal:appointments:list",
        "portal:reminders:settings",
        "portal:previsit",
    } <= found


def test_it_shows_the_instruction_on_every_patient_page_while_a_red_flag_is_open(world, settings):
    settings.CLINIC_PHONE = "020 7946 0000"
    confirmed_decision(
        episode=world.a.episode, therapist=world.therapist, final_dx="red_flag_referral"
    )
    pages = 0
    for name in patient_pages():
        html = _visit(world, name)
        if not html:
            continue
        pages += 1
        assert html.count(NOTICE) == 1, f"{name}: no red flag notice"
        top = html.index(NOTICE)
        assert top < html.index("<h1"), f"{name}: the notice is not at the top"
        assert ACTION in html, name
        assert 'href="tel:02079460000"' in html, f"{name}: no link to ring the clinic"
    assert pages >= 9


def test_it_shows_no_instruction_without_an_open_red_flag(world):
    # A's episode has a confirmed "neural" decision; B has no decision at all.
    for name in patient_pages():
        assert NOTICE not in _visit(world, name), f"{name}: notice without a red flag"


def test_it_shows_no_instruction_once_a_later_decision_replaces_the_red_flag(world):
    confirmed_decision(
        episode=world.a.episode, therapist=world.therapist, final_dx="red_flag_referral"
    )
    confirmed_decision(episode=world.a.episode, therapist=world.therapist, final_dx="neural")
    for name in patient_pages():
        assert NOTICE not in _visit(world, name), f"{name}: notice for a replaced red flag"
