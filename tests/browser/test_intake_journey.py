"""A therapist registers a runner, records an intake, reads the suggestion and confirms it."""

import pytest

from clinic.models import User
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

INTAKE_CHOICES = {
    "Side affected": "Left",
    "Earlier hamstring injuries": "A significant tear",
    "How it started": "Gradually",
    "Running downhill": "Worse",
    "Running faster": "Worse",
    "When it is worst": "Worse after running than during",
    "Slump test": "Positive, changes with differentiation",
    "Straight leg raise": "Positive, changes with differentiation",
    "Nerve trunk palpation": "Tender on the affected side",
    "Lumbar range of movement": "Full and painless",
    "Hamstring palpation": "Not tender",
    "Red-flag screen completed": "Yes",
}


def test_it_takes_a_therapist_from_registration_to_a_confirmed_diagnosis(page):
    make_user("physio@test.example", User.Role.THERAPIST, first_name="Tess")
    log_in(page, "physio@test.example", PASSWORD)
    page.wait_for_url("**/dashboard/")

    page.get_by_role("link", name="Patients").click()
    page.get_by_role("link", name="Register a patient").click()
    page.get_by_label("First name").fill("Ada")
    page.get_by_label("Last name").fill("Fleetfoot")
    page.get_by_label("Date of birth").fill("1990-03-04")
    page.get_by_label("Email", exact=True).fill("ada@runners.example")
    page.get_by_label("Phone number").fill("07912 345678")
    page.get_by_role("button", name="Register patient").click()
    page.get_by_role("heading", name="Ada Fleetfoot").wait_for()

    page.get_by_role("link", name="New episode").click()
    page.get_by_label("Side affected").select_option(label="Left")
    page.get_by_label("Symptoms began on").fill("2026-01-05")
    page.get_by_role("button", name="Open episode").click()
    page.get_by_text("Episode 1 is open.").wait_for()

    page.get_by_role("link", name="Record intake").click()
    for label, choice in INTAKE_CHOICES.items():
        page.get_by_label(label, exact=True).select_option(label=choice)
    page.get_by_label("Pain now (0-10)").fill("3")
    page.get_by_role("button", name="Save and finalise").click()

    page.get_by_text("The assessment is saved and final.").wait_for()
    assert (
        "Suggested: neural tissue sensitivity" in page.locator(".suggestion-summary").inner_text()
    )
    reasons = page.locator(".reasons-neural").inner_text()
    assert "Slump reproduces the familiar symptom" in reasons
    assert "not a probability" in page.content()

    page.get_by_role("button", name="Confirm diagnosis").click()
    page.get_by_text("Diagnosis confirmed: Neural tissue sensitivity.").wait_for()
    assert "confirmed the suggestion" in page.locator(".decision-current").inner_text()
