"""On a phone, the therapist moves an exercise on a step and the patient sees the new version."""

import pytest
from playwright.sync_api import expect

from exercises.library import library_load
from exercises.models import Exercise
from tests.browser.conftest import PHONE, log_in
from tests.conftest import PASSWORD, make_user
from tests.exercises.factories import published_plan
from tests.patients.factories import PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def phone_context(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(15_000)
    return context


def test_it_progresses_an_item_and_the_patient_sees_the_new_version(browser, live_server, settings):
    settings.DEBUG = True
    library_load(Exercise)  # earlier transactional tests may have flushed the migration's rows
    therapist = make_user("physio@test.example", "therapist", first_name="Tess")
    patient_user = make_user("ada@runners.example", "patient", first_name="Ada")
    patient = PatientFactory(user=patient_user, first_name="Ada")
    plan = published_plan(therapist=therapist, patient=patient, codes=("EX-A03", "EX-N01"))

    physio_phone, patient_phone = (phone_context(browser, live_server) for _ in range(2))
    try:
        # The patient sees the Askling Extender and what moves her on.
        portal = patient_phone.new_page()
        log_in(portal, patient_user.email, PASSWORD)
        portal.wait_for_url("**/portal/")
        extender = portal.locator(".portal-exercises > li").first
        expect(extender).to_contain_text("Askling Extender")
        expect(extender.locator(".portal-next-step")).to_contain_text(
            "Next step, “Askling Diver”, when you can do every set"
        )

        # The therapist, on a phone too, moves it on one step: published at once.
        page = physio_phone.new_page()
        log_in(page, therapist.email, PASSWORD)
        page.wait_for_url("**/dashboard/")
        page.goto(f"/exercises/plans/{plan.public_id}/")
        item = page.locator(".plan-item").first
        expect(item).to_contain_text("Step 1 of 3: Askling Extender")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        item.get_by_role(
            "button", name="Progress Askling Extender (lying knee straighten) to Askling Diver"
        ).click()
        expect(page.get_by_role("alert")).to_contain_text(
            "Version 2 published: Progressed Askling Extender (lying knee straighten) to "
            "“Askling Diver” (step 2 of 3)"
        )
        expect(page.locator(".plan-item").first).to_contain_text("Step 2 of 3: Askling Diver")
        expect(page.locator(".version-change").first).to_contain_text("Progressed Askling")

        # The patient reloads and has the Diver, its dose and the next step.
        portal.reload()
        diver = portal.locator(".portal-exercises > li").first
        expect(diver).to_contain_text("Askling Diver")
        expect(diver.locator(".exercise-dose")).to_contain_text("3 sets of 6")
        expect(diver.locator(".portal-step")).to_contain_text("step 2 of 3")
        expect(diver.locator(".portal-next-step")).to_contain_text("“Askling Glider”")
        assert portal.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        physio_phone.close()
        patient_phone.close()
