"""On a phone, the patient sees the whole dose and the stop rules before the steps, unfolded."""

import pytest
from playwright.sync_api import expect

from exercises.library import library_load
from exercises.models import Exercise
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD, make_user
from tests.exercises.factories import published_plan
from tests.patients.factories import PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_shows_the_whole_dose_and_the_stop_rules_first_on_a_phone(phone_page):
    library_load(Exercise)  # earlier transactional tests may have flushed the migration's rows
    therapist = make_user("physio@test.example", "therapist")
    user = make_user("ada@runners.example", "patient")
    patient = PatientFactory(user=user, first_name="Ada")
    published_plan(therapist=therapist, patient=patient, codes=("EX-A04", "EX-A06"))

    log_in(phone_page, user.email, PASSWORD)
    phone_page.wait_for_url("**/portal/")
    diver, hinge = phone_page.locator(".portal-exercises > li").all()
    expect(diver.locator(".exercise-dose")).to_have_text("3 sets of 6 · once a day · 3 days a week")
    expect(diver.locator(".exercise-dose-note")).to_contain_text("Never two days in a row")
    expect(hinge.locator(".exercise-dose")).to_contain_text("3 sets of 8 each side")

    # the stop rules are on screen without opening anything, above the folded steps
    rules = diver.get_by_role("region", name="Safety first: when to stop")
    expect(rules).to_be_visible()
    expect(rules.get_by_role("listitem").first).to_be_visible()
    expect(diver.get_by_text("Stand on your injured leg")).to_be_hidden()
    steps = diver.get_by_text("How to do it")
    assert rules.bounding_box()["y"] < steps.bounding_box()["y"]
    steps.click()
    expect(diver.get_by_text("Stand on your injured leg")).to_be_visible()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 375
