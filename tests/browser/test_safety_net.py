"""The safety net on a phone: a patient ticks an urgent symptom in their log and is told what to
do; their therapist sees the urgent alert on the dashboard."""

import re

import pytest
from playwright.sync_api import expect

from exercises.library import library_load
from exercises.models import Exercise
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD, make_user
from tests.exercises.factories import published_plan
from tests.patients.factories import PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE_390 = {"width": 390, "height": 844}


@pytest.fixture
def phone_390(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE_390, is_mobile=True, has_touch=True
    )
    yield context.new_page()
    context.close()


def test_it_tells_the_patient_what_to_do_and_alerts_the_therapist(page, phone_390, settings):
    settings.CLINIC_PHONE = "020 7946 0000"
    library_load(Exercise)  # earlier transactional tests may have flushed the migration's rows
    therapist = make_user("physio@test.example", "therapist", first_name="Tess")
    user = make_user("ada@runners.example", "patient", first_name="Ada")
    patient = PatientFactory(user=user, first_name="Ada", last_name="Lovelace")
    published_plan(therapist=therapist, patient=patient)

    phone = phone_390
    log_in(phone, user.email, PASSWORD)
    phone.wait_for_url("**/portal/")
    expect(phone.get_by_role("heading", name="When to get help fast")).to_be_visible()
    phone.get_by_role("link", name="Log today's session").click()
    phone.get_by_label(re.compile("I did:")).first.check()
    phone.get_by_label("Pain during the exercises (0 to 10)").fill("4")
    phone.get_by_label("Pain afterwards (0 to 10)").fill("5")
    phone.get_by_label("Hard").check()
    phone.get_by_label("No", exact=True).check()
    phone.get_by_label("Weakness or numbness in both legs").check()
    phone.get_by_role("button", name="Save my session").click()

    advice = phone.get_by_role("alert").filter(has_text="You told us you have")
    expect(
        advice.get_by_role("heading", name="Go to the emergency department now.")
    ).to_be_visible()
    expect(advice).to_contain_text("Weakness or numbness in both legs")
    expect(advice).to_contain_text("020 7946 0000")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    log_in(page, therapist.email, PASSWORD)
    page.wait_for_url("**/dashboard/")
    alerts = page.locator(".exercise-alerts")
    expect(alerts).to_contain_text("Ada Lovelace")
    expect(alerts).to_contain_text("Urgent symptom")
    expect(alerts).to_contain_text("Weakness or numbness in both legs")
