"""Two sites (issue 19): reception switches the week to the second site, books a free slot
there from the grid, and the manager changes that site's opening hours in the admin; on a
phone and on a laptop."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from bookings.models import Appointment
from clinic.models import User
from clinic.sites import SiteOpeningHours, default_site
from tests.bookings.factories import follow_up, give_hours
from tests.browser.conftest import log_in
from tests.clinic.site_factories import hours_at, make_site
from tests.conftest import PASSWORD, make_user
from tests.patients.factories import PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SCREENS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}


def next_tuesday() -> dt.date:
    today = timezone.localdate()
    return today + dt.timedelta(days=(1 - today.weekday()) % 7 or 7)


@pytest.fixture
def clinic(db, settings):
    # A public holiday in the coming week would close the day booked (holidays have tests).
    settings.CLINIC_HOLIDAYS = ""
    settings.STAFF_2FA_REQUIRED = False
    default_site()
    north = make_site("North")
    tess = make_user("tess@test.example", User.Role.THERAPIST, first_name="Tess")
    colin = make_user("colin@test.example", User.Role.THERAPIST, first_name="Colin")
    make_user("rita@test.example", User.Role.RECEPTION, first_name="Rita")
    User.objects.create_superuser(email="mia@test.example", password=PASSWORD, first_name="Mia")
    give_hours(tess)  # every day at the main site
    hours_at(north, colin, weekdays=range(7))
    follow_up()
    patient = PatientFactory(first_name="Robin", last_name="Trail", email="robin@test.example")
    return north, colin, patient


@pytest.mark.parametrize("screen", SCREENS)
def test_it_books_at_the_second_site_from_its_week(browser, live_server, clinic, screen):
    north, colin, patient = clinic
    tuesday = next_tuesday()
    context = browser.new_context(base_url=live_server.url, viewport=SCREENS[screen])
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        log_in(page, "rita@test.example", PASSWORD)
        page.wait_for_url("**/bookings/")
        page.get_by_role("link", name="Week view").click()
        if tuesday >= timezone.localdate() + dt.timedelta(days=7 - timezone.localdate().weekday()):
            page.get_by_role("link", name="Next week").click()
        page.get_by_label("Site", exact=True).select_option(label="North")
        page.wait_for_url(re.compile(rf"site={north.public_id}"))
        assert "North" in page.get_by_role("heading", level=1).inner_text()
        grid = page.get_by_role("table", name=re.compile("Appointments in the week of"))
        # Only Colin works at North: Tess's columns are not on this site's week.
        assert grid.get_by_role("link", name=re.compile("with Tess$")).count() == 0
        free = f"Free, {tuesday:%A} {tuesday.day} {tuesday:%B} 11:00 with Colin"
        grid.get_by_role("link", name=free).click()

        page.wait_for_url("**/bookings/new/**")
        assert page.get_by_label("Site").input_value() == str(north.public_id)
        assert page.get_by_label("Start time").input_value() == "11:00"
        page.get_by_label("Find the patient by name, email or phone").fill("trail")
        page.get_by_role("button", name="Search patients").click()
        page.get_by_role("combobox", name=re.compile(r"^Patient")).select_option(
            value=str(patient.public_id)
        )
        page.get_by_role("button", name="Book", exact=True).click()
        assert "Booked Robin Trail with Colin" in page.locator(".alert-success").inner_text()
        appointment = Appointment.objects.get()
        assert (appointment.site, appointment.therapist) == (north, colin)
        assert page.evaluate("document.documentElement.scrollWidth") <= SCREENS[screen]["width"]
    finally:
        context.close()


@pytest.mark.parametrize("screen", SCREENS)
def test_it_lets_the_manager_change_a_sites_opening_hours(browser, live_server, clinic, screen):
    north, _, _ = clinic
    context = browser.new_context(base_url=live_server.url, viewport=SCREENS[screen])
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        log_in(page, "mia@test.example", PASSWORD)
        page.wait_for_load_state()
        page.goto("/admin/clinic/site/")
        page.get_by_role("link", name="North", exact=True).click()
        page.locator("select[name='opening_hours-0-weekday']").select_option(label="Saturday")
        page.locator("input[name='opening_hours-0-opens']").fill("08:00")
        page.locator("input[name='opening_hours-0-closes']").fill("12:30")
        page.get_by_role("button", name="Save", exact=True).click()
        page.wait_for_url("**/admin/clinic/site/")
        assert "was changed successfully" in page.locator(".messagelist").inner_text()
        hours = SiteOpeningHours.objects.get(site=north)
        assert (hours.weekday, hours.opens, hours.closes) == (5, dt.time(8), dt.time(12, 30))
    finally:
        context.close()
