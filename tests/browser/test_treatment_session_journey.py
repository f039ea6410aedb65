"""A therapist, on a phone-sized screen, opens the session note for an arrived runner from the
day calendar, records a lumbar mobilisation with the slump before and after, signs, and sees
the engine's suggestion move from indeterminate to lumbar."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from clinic.models import User
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD, make_user
from tests.treatment.factories import attended_visit, final_intake
from treatment.models import TreatmentSession

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NARROW = {"width": 390, "height": 844}


@pytest.fixture
def narrow_page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport=NARROW, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_it_records_a_retest_after_lumbar_treatment_and_shows_the_suggestion_change(
    narrow_page,
):
    page = narrow_page
    therapist = make_user("tess@test.example", User.Role.THERAPIST, first_name="Tess")
    appointment = attended_visit(therapist=therapist)
    final_intake(episode=appointment.episode, therapist=therapist)
    day = timezone.localtime(appointment.start).date()

    log_in(page, "tess@test.example", PASSWORD)
    page.wait_for_url("**/dashboard/")
    page.goto(f"{reverse('bookings:home')}?date={day.isoformat()}")
    page.get_by_role("link", name="Session note").click()
    page.get_by_role("button", name="Start the session note").click()
    assert page.locator("[data-session-status]").inner_text() == "Draft"
    assert _fits(page), "the session form scrolls sideways at 390 px"

    page.locator("select[name=before-slump_test]").select_option("positive_differentiated")
    page.locator("input[name=before-slump_knee_ext_deficit_deg]").fill("20")
    page.locator("select[name=after-slump_test]").select_option("negative")
    page.locator("input[name=after-slump_knee_ext_deficit_deg]").fill("4")
    page.locator("select[name=treatments-0-kind]").select_option("lumbar_mobilisation")
    page.locator("select[name=treatments-0-technique]").select_option("pa_central")
    page.locator("select[name=treatments-0-level]").select_option("L5")
    page.locator("select[name=treatments-0-grade]").select_option("3")
    page.locator("select[name=treatments-0-body_position]").select_option("prone")
    page.get_by_role("button", name="Save draft").click()
    assert "Draft saved." in page.locator(".alert-success").inner_text()
    assert page.locator("[data-retest-suggested]").inner_text() == "Neural signs improved"
    assert (
        "No longer brings on the familiar symptom"
        in page.locator("[data-change=slump_test]").inner_text()
    )

    page.get_by_label("Slump/SLR after the lumbar technique").select_option("neural_signs_improved")
    page.get_by_role("button", name="Save and sign").click()

    assert "The session note is signed." in page.locator(".alert-success").inner_text()
    assert page.locator("[data-session-status]").inner_text() == "Signed"
    assert "Indeterminate" in page.locator("[data-suggestion-before]").inner_text()
    assert "lumbar spine" in page.locator("[data-suggestion-after]").inner_text()
    assert "count for lumbar" in page.locator(".rerun-changes").inner_text()
    assert _fits(page), "the signed note scrolls sideways at 390 px"
    session = TreatmentSession.objects.get()
    assert session.diagnosis_rerun["after"]["label"] == "lumbar"
