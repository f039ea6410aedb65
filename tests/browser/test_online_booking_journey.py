"""A patient books a follow-up online on their phone, then moves it to another time."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from bookings.models import Appointment
from clinic.models import User
from tests.bookings.factories import give_hours
from tests.bookings.online_helpers import existing_patient, online_follow_up
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_it_lets_a_patient_book_a_follow_up_then_move_it(phone, settings):
    settings.CLINIC_HOLIDAYS = ""
    therapist = make_user("tess@test.example", User.Role.THERAPIST, first_name="Tess")
    give_hours(therapist)
    online_follow_up()
    me = existing_patient(
        email="robin@test.example",
        therapist=therapist,
        seen=timezone.now() - dt.timedelta(days=7),
        first_name="Robin",
    )
    log_in(phone, "robin@test.example", PASSWORD)
    phone.wait_for_load_state()
    phone.goto("/portal/appointments/")
    phone.get_by_role("link", name="Book a follow-up").click()
    assert "Tess (your physiotherapist)" in phone.locator("main").inner_text()
    assert fits_the_screen(phone)
    # Next week's times: well clear of the notice and late windows, whatever the hour now.
    phone.get_by_role("link", name="Later week").click()
    first = phone.locator("a.booking-slot").first
    box = first.bounding_box()
    assert box["height"] >= 44  # a thumb-sized target
    first.click()
    phone.get_by_role("button", name="Book this time").click()
    assert "Your appointment is booked" in phone.locator("main").inner_text()
    booked = Appointment.objects.get(patient=me, status="booked")

    phone.get_by_role("link", name="Move").click()
    assert fits_the_screen(phone)
    phone.get_by_role("link", name="Later week").click()
    phone.get_by_role("link", name="Later week").click()
    phone.locator("a.booking-slot").first.click()
    phone.get_by_role("button", name="Move to this time").click()
    assert "Your appointment is moved" in phone.locator("main").inner_text()
    moved = Appointment.objects.get(patient=me, status="booked")
    assert moved.pk == booked.pk
    assert moved.start >= booked.start + dt.timedelta(days=1)
    assert fits_the_screen(phone)
