"""A painful session logged on a phone reaches the therapist as an alert that says why, links
to the log, and leaves the open list once acknowledged with a note (kept on the patient page)."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from exercises.library import library_load
from exercises.models import Exercise
from tests.browser.conftest import PHONE, log_in
from tests.conftest import PASSWORD, make_user
from tests.exercises.factories import log, published_plan
from tests.patients.factories import PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
NOTE = "Rang Ada: sore after a long run. Halved the glides for a week."


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_it_takes_a_painful_session_from_the_patients_phone_to_an_acknowledged_alert(
    browser, live_server, phone_page
):
    library_load(Exercise)  # earlier transactional tests may have flushed the migration's rows
    therapist = make_user("physio@test.example", "therapist", first_name="Tess")
    patient_user = make_user("ada@runners.example", "patient", first_name="Ada")
    patient = PatientFactory(user=patient_user, first_name="Ada", last_name="Lovelace")
    today = timezone.localdate()
    plan = published_plan(
        therapist=therapist, patient=patient, start_date=today - dt.timedelta(days=5)
    )
    for days in (4, 3, 2):
        log(plan, today - dt.timedelta(days=days), pain=3)

    # The patient logs today's session on a phone: 8/10 afterwards.
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, is_mobile=True)
    context.set_default_timeout(15_000)
    phone = context.new_page()
    try:
        log_in(phone, patient_user.email, PASSWORD)
        phone.wait_for_url("**/portal/")
        phone.get_by_role("link", name="Log today's session").click()
        phone.get_by_label(re.compile("I did:")).first.check()
        phone.get_by_label("Pain during the exercises (0 to 10)").fill("4")
        phone.get_by_label("Pain afterwards (0 to 10)").fill("8")
        phone.get_by_label("Hard").check()
        phone.get_by_label("No", exact=True).check()
        phone.get_by_role("button", name="Save my session").click()
        expect(phone.get_by_role("button", name="Save my session")).to_have_count(0)
        assert fits(phone)
    finally:
        context.close()

    # The therapist's dashboard says why the alert fired and links to the log.
    physio = phone_page
    log_in(physio, therapist.email, PASSWORD)
    physio.wait_for_url("**/dashboard/")
    alerts = physio.locator(".exercise-alerts")
    reason = f"Pain 8/10 after exercise on {today:%-d %b}, 5 points above the recent median of 3."
    expect(alerts).to_contain_text("Painful session")
    expect(alerts).to_contain_text(reason)
    assert fits(physio)
    alerts.get_by_role("link", name=re.compile("See the logs")).first.click()
    logs = physio.locator(".session-logs")
    expect(logs).to_contain_text("4/10 · 8/10")
    expect(logs.locator(".session-log")).to_have_count(1)  # only the session behind the alert
    assert fits(physio)

    # Back on the dashboard, the therapist acknowledges it: a note is required.
    physio.go_back()
    physio.locator(".exercise-alerts").get_by_role(
        "link", name=re.compile("Acknowledge painful session")
    ).click()
    expect(physio.locator(".alert-reason")).to_contain_text(reason)
    physio.get_by_role("button", name="Acknowledge").click()
    # next to the field (the summary at the top of the form links to it as well)
    expect(physio.get_by_text("Write what you did about this alert.", exact=True)).to_be_visible()
    physio.get_by_label("What did you do about it?").fill(NOTE)
    physio.get_by_role("button", name="Acknowledge").click()
    physio.wait_for_url("**/dashboard/")
    expect(
        physio.get_by_text("Painful session alert for Ada Lovelace acknowledged.")
    ).to_be_visible()
    expect(physio.locator("#exercise-alerts-heading").locator("..")).not_to_contain_text(
        "Painful session"
    )
    assert fits(physio)

    # The note, with who and when, is in the alert history on the patient page.
    physio.goto(reverse("patients:detail", args=[patient.public_id]))
    history = physio.locator(".acknowledged-alerts")
    expect(history).to_contain_text("Painful session")
    expect(history).to_contain_text(NOTE)
    expect(history).to_contain_text("acknowledged by Tess")
    assert fits(physio)
