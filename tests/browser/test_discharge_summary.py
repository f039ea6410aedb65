"""Discharge end to end: the therapist discharges with the GP's letter agreed, the patient
opens their summary on a phone, and it prints without the navigation."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from exercises.library import library_load
from exercises.models import Exercise
from tests.browser.conftest import PHONE, log_in
from tests.conftest import PASSWORD, make_user
from tests.exercises.factories import confirmed_decision, log, published_plan
from tests.patients.factories import EpisodeFactory, PatientFactory
from tests.rehab.conftest import slr_visit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_prints_a_discharge_summary(page, phone_page):
    library_load(Exercise)  # earlier transactional tests may have flushed the migration's rows
    therapist = make_user("physio@test.example", "therapist", first_name="Tess")
    runner = make_user("ada@runners.example", "patient", first_name="Ada")
    patient = PatientFactory(first_name="Ada", last_name="Lovelace", user=runner)
    today = timezone.localdate()
    episode = EpisodeFactory(patient=patient, started_on=today - dt.timedelta(days=60))
    plan = published_plan(
        therapist=therapist, episode=episode, start_date=today - dt.timedelta(days=20)
    )
    confirmed_decision(episode=episode, therapist=therapist, final_dx="neural")
    episode.assessments.update(assessed_on=today - dt.timedelta(days=45))
    slr_visit(episode, therapist, affected=50, other=75, days_ago=40, kind="intake", nprs_now=6)
    slr_visit(episode, therapist, affected=72, other=75, days_ago=1, nprs_now=1)
    for days in (3, 2, 1):
        log(plan, today - dt.timedelta(days=days), pain=1, worse_next_morning=False)

    log_in(page, therapist.email, PASSWORD)
    page.wait_for_url("**/dashboard/")
    # The stage page works at phone width too.
    page.set_viewport_size(PHONE)
    page.goto(f"/rehab/episodes/{episode.public_id}/stage/")
    expect(page.get_by_role("heading", name="To leave Settle")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"/patients/{patient.public_id}/")
    page.get_by_role("link", name="Discharge").click()
    expect(page.get_by_role("heading", name="Ready for full running?")).to_be_visible()
    page.locator("#id_outcome").select_option("resolved")
    page.get_by_label("The patient agrees to a letter to their GP").check()
    page.get_by_label("How they agreed").select_option("in_person")
    page.get_by_role("button", name="Discharge").click()
    expect(page.get_by_text(f"Episode {episode.number} is discharged.")).to_be_visible()
    page.get_by_role("link", name="GP letter").click()
    expect(
        page.get_by_role("heading", name="Physiotherapy discharge: Ada Lovelace")
    ).to_be_visible()

    phone = phone_page
    log_in(phone, runner.email, PASSWORD)
    phone.wait_for_url("**/portal/")
    phone.goto("/portal/recovery/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.get_by_role("link", name=f"Episode {episode.number}, discharged").click()
    expect(phone.get_by_role("heading", name="Your discharge summary")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    nav = phone.locator("nav.navbar")
    expect(nav).to_be_visible()

    phone.emulate_media(media="print")
    expect(nav).to_be_hidden()
    expect(phone.get_by_role("button", name="Print")).to_be_hidden()
    sheet = phone.locator(".summary-sheet")
    expect(sheet).to_be_visible()
    expect(sheet).to_contain_text("Neural tissue sensitivity")
    expect(sheet).to_contain_text("Keeping it from coming back")
    expect(sheet.locator(".rehab-measures")).to_contain_text("50")
    pdf = phone.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
    assert len(pdf) > 2000
