"""The main navigation fits one line on a laptop screen and stays usable on a phone."""

import pytest
from playwright.sync_api import expect

from clinic.models import User
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# a long but ordinary address: the navigation shows the signed-in email
MANAGER_EMAIL = "practice.manager@apex-clinic.example"


def _users():
    User.objects.create_superuser(email=MANAGER_EMAIL, password=PASSWORD, first_name="Mia")
    make_user("physio@test.example", "therapist", first_name="Tess")
    make_user("desk@test.example", "reception", first_name="Rita")


def _open(browser, live_server, viewport, email):
    context = browser.new_context(base_url=live_server.url, viewport=viewport)
    context.set_default_timeout(15_000)
    page = context.new_page()
    log_in(page, email, PASSWORD)
    page.wait_for_load_state()
    return context, page


def _tops(page) -> list[float]:
    """The top edge of every item of the open navigation bar, in order."""
    return page.eval_on_selector_all(
        "#main-nav .nav-item", "items => items.map(i => i.getBoundingClientRect().top)"
    )


@pytest.mark.parametrize("email", [MANAGER_EMAIL, "physio@test.example", "desk@test.example"])
def test_it_fits_the_navigation_on_one_line_at_1280_pixels(
    browser, live_server, settings, tmp_path, email
):
    settings.DEBUG = True
    _users()
    context, page = _open(browser, live_server, LAPTOP, email)
    try:
        navbar = page.locator("nav.navbar")
        expect(navbar.get_by_role("link", name=email)).to_be_visible()
        page.screenshot(path=str(tmp_path / "navigation-1280.png"))  # kept to look at on failure
        tops = _tops(page)
        assert len(tops) >= 5
        assert max(tops) - min(tops) < 8, f"the navigation wraps: item tops {tops}"
        # one line of links: no item is taller than one line of text either
        heights = page.eval_on_selector_all(
            "#main-nav .nav-link", "links => links.map(l => l.getBoundingClientRect().height)"
        )
        assert max(heights) < 50, f"a link wraps inside: heights {heights}"
        assert navbar.bounding_box()["height"] < 70
        assert page.evaluate("document.documentElement.scrollWidth") <= LAPTOP["width"]
    finally:
        context.close()


def test_it_keeps_the_manager_navigation_usable_on_a_phone(browser, live_server, settings):
    settings.DEBUG = True
    _users()
    context, page = _open(browser, live_server, PHONE, MANAGER_EMAIL)
    try:
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        menu = page.get_by_role("button", name="Show menu")
        expect(menu).to_be_visible()
        menu.click()
        page.locator("#main-nav").get_by_role("button", name="Manage").click()
        for name in ("Patients", "Bookings", "Booking requests", "Audit trail", "Admin", "Log out"):
            expect(
                page.locator("#main-nav")
                .get_by_role("link", name=name)
                .or_(page.locator("#main-nav").get_by_role("button", name=name))
                .first
            ).to_be_visible()
        page.locator("#main-nav").get_by_role("link", name="Patients").first.click()
        page.wait_for_url("**/patients/")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()
