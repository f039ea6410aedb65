"""At a follow-up, a therapist on a tablet finds a worsening nerve deficit: the page says it is
an emergency, what to do, and how it compares with the last visit."""

import datetime as dt

import pytest
from django.urls import reverse

from assessments.forms import RED_FLAG_ITEMS
from assessments.services import decision_record
from clinic.models import User
from tests.assessments.factories import NEURAL_FINDINGS, AssessmentFactory
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD, make_user
from tests.patients.factories import EpisodeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TABLET = {"width": 768, "height": 1024}


@pytest.fixture
def tablet_page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport=TABLET, has_touch=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def test_it_shows_an_emergency_and_the_comparison_for_a_progressing_deficit(tablet_page):
    page = tablet_page
    therapist = make_user("physio@test.example", User.Role.THERAPIST, first_name="Tess")
    episode = EpisodeFactory()
    intake = AssessmentFactory(
        episode=episode,
        therapist=therapist,
        final=True,
        assessed_on=dt.date(2026, 11, 2),
        findings={
            **NEURAL_FINDINGS,
            **dict.fromkeys(RED_FLAG_ITEMS, False),
            "neuro_exam": "unilateral_single_root_deficit",
            "neuro_deficit_progressing": False,
        },
    )
    decision_record(assessment=intake, by=therapist, final_dx="neural")

    log_in(page, "physio@test.example", PASSWORD)
    page.wait_for_url("**/dashboard/")
    page.goto(reverse("patients:detail", args=[episode.patient.public_id]))
    page.get_by_role("link", name="Record follow-up").click()

    worse = page.get_by_label("Neurological deficit getting worse", exact=True)
    assert worse.input_value() == "unknown"  # asked afresh, not carried over
    assert "Last visit (2 Nov 2026): No." in page.content()
    page.get_by_label("Pain now (0-10)").fill("5")
    page.get_by_label("Neurological examination", exact=True).select_option(
        label="Deficit of one root, one side"
    )
    worse.select_option(label="Yes")
    page.get_by_label("Red-flag screen completed", exact=True).select_option(label="Yes")
    page.get_by_role("button", name="Save and finalise").click()

    page.get_by_text("The assessment is saved and final.").wait_for()
    banner = page.locator(".redflag-banner").inner_text()
    assert "Red flag: Emergency: send to the emergency department now" in banner
    assert "Neurological deficit getting worse on examination." in banner
    assert "Send the patient to the emergency department now for an urgent neurological" in banner
    summary = page.locator(".rescreen-summary").inner_text()
    assert summary == "New or worse since the last visit: Neurological deficit getting worse."
    row = page.locator(".rescreen tr", has_text="Neurological deficit getting worse")
    assert "New since the last visit" in row.inner_text()
    exam = page.locator(".rescreen tr", has_text="Neurological examination").inner_text()
    assert "Unchanged" in exam
    # The page fits the tablet: nothing runs off the side.
    assert page.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]

    page.get_by_role("button", name="Confirm diagnosis").click()
    page.get_by_text("Diagnosis confirmed: Red flag: referred on.").wait_for()
