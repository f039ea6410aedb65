"""A new patient asks for a first appointment on their phone. An urgent pre-screen answer
sends them to urgent help instead of a booking; a clear one reaches reception, who books it."""

from __future__ import annotations

import pytest

from bookings.models import Appointment
from bookings.requests.models import BookingRequest, UrgentScreen
from clinic.models import User
from tests.bookings.factories import give_hours, initial_assessment
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}
SADDLE = "Numbness between my legs or around my bottom"


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def fill_request(page, *, urgent: str | None) -> None:
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Ask for a first appointment").click()
    page.get_by_label("First name").fill("Noor")
    page.get_by_label("Last name").fill("Hill")
    page.get_by_label("Date of birth").fill("1991-06-02")
    page.get_by_label("Email address").fill("noor@runners.example")
    page.get_by_label("Mobile number").fill("07911 123456")
    page.get_by_label("What would you like help with?").fill("Sore hamstring since a long run.")
    for group in page.get_by_role("radiogroup").all():
        name = group.get_attribute("aria-labelledby")
        question = page.locator(f"#{name}").inner_text()
        group.get_by_label("Yes" if question == urgent else "No").check()
    page.get_by_role("button", name="Send my request").click()


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_it_sends_an_urgent_answer_to_urgent_help_instead_of_a_booking(phone):
    fill_request(phone, urgent=SADDLE)

    heading = phone.get_by_role("heading", level=1)
    assert heading.inner_text() == "Please go to A&E now"
    assert phone.get_by_role("link", name="Call 999").is_visible()
    assert "we have not booked an appointment" in phone.locator("main").inner_text()
    assert fits(phone)
    assert not BookingRequest.objects.exists()
    assert not Appointment.objects.exists()
    assert UrgentScreen.objects.get().symptoms == ["saddle_numbness"]


def test_it_lets_reception_approve_a_clear_request_into_an_appointment(
    phone, page, mailoutbox, settings
):
    settings.CLINIC_HOLIDAYS = ""
    therapist = make_user("tess@test.example", User.Role.THERAPIST, first_name="Tess")
    make_user("rita@test.example", User.Role.RECEPTION, first_name="Rita")
    give_hours(therapist)
    initial_assessment()

    fill_request(phone, urgent=None)
    assert "we have your request" in phone.get_by_role("heading", level=1).inner_text()
    assert fits(phone)

    log_in(page, "rita@test.example", PASSWORD)
    page.wait_for_url("**/bookings/")
    page.get_by_role("link", name="Booking requests").click()
    page.get_by_role("link", name="Open the request from Noor Hill").click()
    page.locator("input[name=slot]").first.check()
    page.get_by_role("button", name="Book and tell them").click()
    assert "Booked." in page.locator(".alert-success").first.inner_text()

    appointment = Appointment.objects.select_related("patient").get()
    assert (appointment.patient.first_name, appointment.therapist) == ("Noor", therapist)
    assert BookingRequest.objects.get().status == "approved"
    assert [message.to for message in mailoutbox] == [["noor@runners.example"]]
