"""Reception finds a free afternoon on the week's time grid and books it from the empty cell,
by keyboard; the booking then fills that cell. The grid fits a tablet and scrolls on a phone."""

import datetime as dt
import re

import pytest
from django.utils import timezone

from bookings.models import Appointment
from clinic.models import User
from tests.bookings.factories import follow_up, give_hours
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD, make_user
from tests.patients.factories import PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TABLET = {"width": 768, "height": 1024}


def next_tuesday() -> dt.date:
    today = timezone.localdate()
    return today + dt.timedelta(days=(1 - today.weekday()) % 7 or 7)


def cell_name(day: dt.date, hhmm: str) -> str:
    return f"Free, {day:%A} {day.day} {day:%B} {hhmm} with Tess"


@pytest.fixture
def clinic(db, settings):
    # These journeys run on whatever day the suite runs: a public holiday in the coming week
    # would close the day they book (holidays have their own tests).
    settings.CLINIC_HOLIDAYS = ""
    therapist = make_user("tess@test.example", User.Role.THERAPIST, first_name="Tess")
    colleague = make_user("colin@test.example", User.Role.THERAPIST, first_name="Colin")
    make_user("rita@test.example", User.Role.RECEPTION, first_name="Rita")
    give_hours(therapist)
    give_hours(colleague, start="12:00", end="18:00")
    follow_up()
    patient = PatientFactory(first_name="Robin", last_name="Trail", email="robin@test.example")
    return therapist, patient


def test_it_books_a_free_afternoon_from_the_week_grid_by_keyboard(page, clinic):
    therapist, patient = clinic
    tuesday = next_tuesday()
    page.set_viewport_size(TABLET)
    log_in(page, "rita@test.example", PASSWORD)
    page.wait_for_url("**/bookings/")
    page.get_by_role("link", name="Week view").click()
    if tuesday >= timezone.localdate() + dt.timedelta(days=7 - timezone.localdate().weekday()):
        page.get_by_role("link", name="Next week").click()
    page.get_by_label("Therapist", exact=True).select_option(label="Tess")
    page.wait_for_url(re.compile(rf"therapist={therapist.public_id}"))

    grid = page.get_by_role("table", name=re.compile("Appointments in the week of"))
    wrapper = page.locator(".grid-scroll")
    assert wrapper.evaluate("e => e.scrollWidth <= e.clientWidth")  # a tablet sees all 7 days

    # Tab reaches the grid once; the arrow keys walk it.
    grid.get_by_role("link", name=cell_name(tuesday, "14:15")).focus()
    page.keyboard.press("ArrowDown")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == cell_name(tuesday, "14:30")
    page.keyboard.press("Enter")

    page.wait_for_url("**/bookings/new/**")
    assert page.get_by_label("Therapist").input_value() == str(therapist.public_id)
    assert page.get_by_label("Date").input_value() == tuesday.isoformat()
    assert page.get_by_label("Start time").input_value() == "14:30"
    page.get_by_label("Find the patient by name, email or phone").fill("trail")
    page.get_by_role("button", name="Search patients").click()
    page.get_by_role("combobox", name=re.compile(r"^Patient")).select_option(
        value=str(patient.public_id)
    )
    page.get_by_role("button", name="Book", exact=True).click()
    assert "Booked Robin Trail with Tess" in page.locator(".alert-success").inner_text()
    appointment = Appointment.objects.get()
    assert appointment.start.astimezone(timezone.get_current_timezone()).time() == dt.time(14, 30)

    page.goto(f"/bookings/week/?date={tuesday.isoformat()}&therapist={therapist.public_id}")
    assert page.get_by_role("link", name=cell_name(tuesday, "14:30")).count() == 0
    booked = page.locator("td.grid-booked", has_text="Robin Trail")
    assert "14:30\u201315:00 Robin Trail" in booked.inner_text()
    assert booked.get_attribute("rowspan") == "2"  # 30 minutes: two quarter-hour rows
    row_time = booked.evaluate("td => td.parentElement.querySelector('th').textContent")
    assert row_time == "14:30"


def test_it_scrolls_the_grid_sideways_on_a_phone_and_not_the_page(phone_page, clinic):
    tuesday = next_tuesday()
    log_in(phone_page, "rita@test.example", PASSWORD)
    phone_page.wait_for_url("**/bookings/")
    phone_page.goto(f"/bookings/week/?date={tuesday.isoformat()}")
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page is {width}px wide on a 375px phone"
    wrapper = phone_page.locator(".grid-scroll")
    assert wrapper.evaluate("e => e.scrollWidth > e.clientWidth")
    cell = phone_page.get_by_role("link", name=cell_name(tuesday, "16:00"))
    cell.scroll_into_view_if_needed()
    cell.tap()
    phone_page.wait_for_url("**/bookings/new/**")
    assert phone_page.get_by_label("Start time").input_value() == "16:00"
