"""A physiotherapist on a phone follows a suspected DVT from the dashboard's open referrals to
"seen at A&E, DVT excluded, cleared to resume" (SPEC 3.9b, amendment 26)."""

import re

import pytest
from playwright.sync_api import expect

from assessments.services import decision_record
from tests.assessments.factories import AssessmentFactory
from tests.assessments.test_diagnosis_red_flags import STRONG_NEURAL
from tests.browser.conftest import PHONE, log_in
from tests.conftest import PASSWORD, make_user
from tests.patients.factories import EpisodeFactory, PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_it_takes_a_suspected_dvt_off_the_dashboard_once_she_is_cleared(phone_page):
    therapist = make_user("physio@test.example", "therapist", first_name="Tess")
    patient = PatientFactory(first_name="Ada", last_name="Lovelace", created_by=therapist)
    assessment = AssessmentFactory(
        episode=EpisodeFactory(patient=patient),
        therapist=therapist,
        final=True,
        findings={**STRONG_NEURAL, "rf_calf_swelling_warmth": True},
    )
    decision_record(assessment=assessment, by=therapist, final_dx="red_flag_referral")

    page = phone_page
    log_in(page, therapist.email, PASSWORD)
    page.wait_for_url("**/dashboard/")
    referrals = page.locator(".open-referrals")
    expect(referrals).to_contain_text("Ada Lovelace")
    expect(referrals).to_contain_text("Same day")
    assert fits(page)

    page.get_by_role("link", name=re.compile("Record outcome")).first.click()
    expect(page.get_by_role("heading", name=re.compile("Referral of Ada Lovelace"))).to_be_visible()
    assert fits(page)
    page.get_by_label("A&E (emergency department)").check()
    page.get_by_label("Result").fill("Seen at A&E, DVT excluded by scan")
    page.get_by_label("Yes").check()
    page.get_by_role("button", name="Record the outcome").click()
    expect(page.get_by_text("referral is closed")).to_be_visible()
    expect(page.locator(".referral-outcomes")).to_contain_text("DVT excluded by scan")
    assert fits(page)

    page.goto("/dashboard/")
    expect(page.locator("#open-referrals-heading")).to_be_visible()
    expect(page.get_by_text("No open referrals.")).to_be_visible()
