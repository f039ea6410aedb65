"""Reception edits a patient in a real browser and both dates survive (issue 12, item 7):
the date boxes open showing the stored dates, and saving keeps them."""

import datetime as dt

import pytest

from clinic.models import User
from patients.models import Patient
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD, make_user
from tests.patients.factories import PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_edits_a_patient_and_keeps_both_dates(page):
    make_user("rita@test.example", User.Role.RECEPTION, first_name="Rita")
    goal = dt.date.today() + dt.timedelta(days=90)
    patient = PatientFactory(
        first_name="Robin",
        last_name="Trail",
        date_of_birth=dt.date(1992, 3, 14),
        goal_event="Autumn trail half",
        goal_date=goal,
        weekly_km=30,
    )

    log_in(page, "rita@test.example", PASSWORD)
    page.wait_for_url("**/bookings/")
    page.goto(f"/patients/{patient.public_id}/")
    page.get_by_role("link", name="Edit details").click()

    assert page.get_by_label("Date of birth").input_value() == "1992-03-14"
    assert page.get_by_label("Date of the goal event").input_value() == goal.isoformat()
    page.get_by_label("Running per week (km)").fill("45")
    page.get_by_label("Time zone").fill("Paris")  # a city, as a person would type it
    page.get_by_role("button", name="Save changes").click()

    assert "saved" in page.locator(".alert-success").inner_text()
    patient = Patient.objects.get(pk=patient.pk)
    assert patient.date_of_birth == dt.date(1992, 3, 14)
    assert patient.goal_date == goal
    assert patient.weekly_km == 45
    assert patient.time_zone == "Europe/Paris"
    assert "Born 14 Mar 1992" in page.content()


def test_it_refuses_a_birth_in_1800_next_to_the_field_at_phone_width(phone_page):
    make_user("rita@test.example", User.Role.RECEPTION, first_name="Rita")
    patient = PatientFactory(first_name="Robin", last_name="Trail")
    log_in(phone_page, "rita@test.example", PASSWORD)
    phone_page.wait_for_url("**/bookings/")
    phone_page.goto(f"/patients/{patient.public_id}/edit/")
    phone_page.get_by_label("Date of birth").fill("1800-01-01")
    phone_page.get_by_role("button", name="Save changes").click()
    message = phone_page.locator("#error_1_id_date_of_birth")
    assert "cannot be before 1 Jan 1900" in message.inner_text()
    assert message.is_visible()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the form scrolls sideways at phone width ({width}px)"
    assert Patient.objects.get(pk=patient.pk).date_of_birth == dt.date(1985, 6, 1)
