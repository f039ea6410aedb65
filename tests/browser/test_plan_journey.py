"""The home-exercise loop end to end: plan, invitation, the patient's log on a phone, adherence."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from exercises.library import library_load
from exercises.models import Exercise
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD, make_user
from tests.exercises.factories import confirmed_decision
from tests.patients.factories import EpisodeFactory, PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NEW_PASSWORD = "hill-repeats-at-dawn-7"


def test_it_runs_the_plan_journey_from_suggestion_to_adherence(page, phone_page, settings):
    settings.DEBUG = True
    library_load(Exercise)  # earlier transactional tests may have flushed the migration's rows
    therapist = make_user("physio@test.example", "therapist", first_name="Tess")
    patient = PatientFactory(first_name="Ada", email="ada@runners.example")
    episode = EpisodeFactory(patient=patient)
    confirmed_decision(
        episode=episode, therapist=therapist, final_dx="lumbar", directional_preference="extension"
    )

    # The therapist suggests a plan from the confirmed diagnosis, edits a dose and publishes.
    log_in(page, therapist.email, PASSWORD)
    page.wait_for_url("**/dashboard/")
    page.goto(f"/patients/{patient.public_id}/")
    page.get_by_role("link", name=re.compile(r"Plans for Episode")).click()
    page.get_by_role("button", name="Suggest a plan").click()
    expect(page.get_by_text("Suggested 2 exercises")).to_be_visible()
    first_item = page.locator(".plan-item").first
    expect(first_item.locator("[data-reason]")).to_contain_text("extension preference")
    first_item.get_by_label("Sets").fill("3")
    page.get_by_role("button", name="Save all doses").click()
    expect(page.get_by_text(re.compile("Doses saved for"))).to_be_visible()
    page.get_by_role("button", name="Publish plan").click()
    expect(page.get_by_role("alert")).to_contain_text("Version 1 published")

    # ...and invites the patient to the portal.
    page.get_by_role("link", name="Invite to the portal").first.click()
    expect(page.get_by_label("Patient's email address")).to_have_value("ada@runners.example")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Invitation sent to ada@runners.example")).to_be_visible()
    link = re.search(r"https?://\S+/portal/welcome/\S+/", mail.outbox[-1].body).group(0)

    # The patient opens the link on a phone, sets a password and sees today's plan.
    phone = phone_page
    phone.goto("/" + link.split("/", 3)[3])
    phone.get_by_label(re.compile(r"New password\W*$")).fill(NEW_PASSWORD)
    phone.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    phone.get_by_role("button", name="Save my password").click()
    phone.wait_for_url("**/portal/")
    expect(phone.get_by_role("heading", name="Today's exercises")).to_be_visible()
    items = phone.locator(".portal-exercises > li")
    expect(items).to_have_count(2)
    expect(phone.locator("main")).not_to_contain_text("Why suggested")
    expect(items.first).to_contain_text("3 sets of 10")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375

    # They log today's session.
    phone.get_by_role("link", name="Log today's session").click()
    phone.get_by_label(re.compile("I did:")).first.check()
    phone.get_by_label(re.compile("I did:")).nth(1).check()
    phone.get_by_label("Pain during the exercises (0 to 10)").fill("2")
    phone.get_by_label("Pain afterwards (0 to 10)").fill("3")
    phone.get_by_label("About right").check()
    phone.get_by_role("button", name="Save my session").click()
    expect(phone.get_by_text("Session for today saved.")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375

    # The therapist sees the adherence update on the patient page.
    page.goto(f"/patients/{patient.public_id}/")
    table = page.get_by_role("table", name="Adherence and pain per plan week")
    expect(table).to_contain_text("1 of 7")
    expect(table).to_contain_text("3/10")
    expect(page.locator("svg.adherence-chart")).to_be_visible()
