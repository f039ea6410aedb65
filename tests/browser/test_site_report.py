"""The manager opens the figures per site from the Manage menu on a phone: the page fits the
screen, the chart and the table are readable, a bad date is explained next to its field, and
axe finds no WCAG violation."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bookings.models import Appointment
from clinic.models import User
from clinic.sites import Site, default_site
from tests.bookings.factories import AppointmentFactory
from tests.browser.conftest import log_in
from tests.browser.test_axe import AXE_SCRIPT, violations
from tests.conftest import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
MANAGER_EMAIL = "practice.manager@apex-clinic.example"


def _clinic_with_two_sites():
    User.objects.create_superuser(email=MANAGER_EMAIL, password=PASSWORD, first_name="Mia")
    therapist = make_user("physio@test.example", "therapist", first_name="Tess")
    main = default_site()
    leeds = Site.objects.create(
        group=main.group, name="Apex Leeds Kirkstall Road", slug="leeds", address="3 Road"
    )
    for hour, site in ((10, main), (11, leeds)):
        AppointmentFactory(
            therapist=therapist,
            site=site,
            start=timezone.now().replace(hour=hour, minute=0, second=0, microsecond=0),
            status=Appointment.Status.COMPLETED,
        )


def test_it_shows_the_managers_figures_per_site_on_a_phone(browser, live_server, settings):
    settings.DEBUG = True
    _clinic_with_two_sites()
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(15_000)
    context.add_init_script(script=AXE_SCRIPT)
    page = context.new_page()
    try:
        log_in(page, MANAGER_EMAIL, PASSWORD)
        page.get_by_role("button", name="Show menu").click()
        page.locator("#main-nav").get_by_role("button", name="Manage").click()
        page.locator("#main-nav").get_by_role("link", name="Figures per site").click()
        page.wait_for_url("**/reports/sites/")

        expect(page.get_by_role("heading", name="Figures per site")).to_be_visible()
        expect(page.get_by_role("img", name="Bar chart of the figures")).to_be_visible()
        expect(page.get_by_role("rowheader", name="Apex Leeds Kirkstall Road")).to_be_attached()
        expect(page.get_by_role("link", name="Download these figures (CSV)")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert violations(page, "reports:sites") == []

        page.get_by_label("From", exact=True).fill("2026-11-30")
        page.get_by_label("To", exact=True).fill("2026-11-01")
        page.get_by_role("button", name="Show", exact=True).click()
        error = page.locator("#id_date_to ~ .invalid-feedback, #error_1_id_date_to")
        expect(error.first).to_contain_text("before the start date")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert violations(page, "reports:sites") == []
    finally:
        context.close()
