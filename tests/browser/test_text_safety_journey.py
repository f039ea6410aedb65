"""Texts from patients, end to end in the browser: reception (on a phone) reads an unclear text
in its queue and replies from the site; the clinician (on a desktop) sees an urgent text as an
alert on the dashboard. The texts come in through the signed webhook from the local Twilio
server, and replies go out through the real Twilio library to it."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from exercises.library import library_load
from exercises.models import Exercise
from notifications.consent import consent_record
from notifications.sms import sms_backend
from tests.browser.conftest import PHONE, log_in
from tests.conftest import PASSWORD, make_user
from tests.exercises.factories import published_plan
from tests.notifications.fake_twilio import FakeTwilio, FakeTwilioServer, provider_env
from tests.patients.factories import PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
UNCLEAR = "Can I move to Thursday? Work is mad"
URGENT = "Woke up and can't feel my bum when I wipe"
ANSWER = "Yes, Thursday 10:00 is free and we have moved you. See you then."


@pytest.fixture
def twilio(settings, live_server, monkeypatch):
    """The local Twilio API, and each conversation text sent at once instead of on a worker."""
    from notifications import conversation

    fake = FakeTwilio(callbacks=False)
    with FakeTwilioServer(fake) as server:
        for name, value in provider_env(server.url, live_server.url).items():
            setattr(settings, name, int(value) if name.endswith("SECONDS") else value)
        sms_backend.cache_clear()
        monkeypatch.setattr(
            conversation,
            "sms_reply_publish",
            lambda reply_id: conversation.sms_reply_send(reply_id=reply_id),
        )
        yield fake
    sms_backend.cache_clear()


def test_reception_replies_to_a_text_and_the_clinician_sees_an_urgent_one(
    browser, live_server, phone_page, twilio
):
    library_load(Exercise)  # earlier transactional tests may have flushed the migration's rows
    therapist = make_user("physio@test.example", "therapist", first_name="Tess")
    reception = make_user("desk@test.example", "reception", first_name="Rita")
    patient = PatientFactory(first_name="Ada", last_name="Quinn")
    consent_record(patient=patient, channel="sms", given=True, how="in_person")
    published_plan(therapist=therapist, patient=patient)
    webhook = live_server.url + reverse("notifications:sms_inbound")
    assert twilio.inbound(webhook, from_=str(patient.phone), body=UNCLEAR) == 200
    assert twilio.inbound(webhook, from_=str(patient.phone), body=URGENT) == 200
    # The urgent text was answered at once, naming the emergency service.
    assert [("999" in sent.body, sent.to) for sent in twilio.messages] == [
        (True, str(patient.phone))
    ]

    # Reception, on a phone, reads the queue: the urgent text first, then the unclear one.
    desk = phone_page
    log_in(desk, reception.email, PASSWORD)
    desk.goto(reverse("notifications:sms_inbox"))
    items = desk.locator(".sms-inbox > li")
    expect(items.first).to_contain_text("Urgent: emergency")
    expect(items.first).to_contain_text("Automatic safety answer")
    unclear = items.filter(has_text=UNCLEAR)
    expect(unclear).to_be_visible()
    assert desk.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    unclear.get_by_label("Your reply").fill(ANSWER)
    unclear.get_by_role("button", name="Send reply").click()
    expect(desk.get_by_text(re.compile("reply to Ada Quinn is on its way"))).to_be_visible()
    expect(desk.locator(".sms-inbox")).not_to_contain_text(UNCLEAR)
    assert twilio.messages[-1].body == ANSWER
    assert desk.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # The clinician, on a desktop, sees the urgent text as an alert and both texts to read.
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(15_000)
    physio = context.new_page()
    try:
        log_in(physio, therapist.email, PASSWORD)
        physio.wait_for_url("**/dashboard/")
        expect(physio.get_by_text(re.compile("Texted the clinic on"))).to_be_visible()
        texts = physio.locator(".texts-inbox")
        expect(texts).to_contain_text(URGENT)
        expect(texts).to_contain_text(UNCLEAR)
        expect(physio.get_by_text("2 unread")).to_be_visible()
        texts.locator("li", has_text=URGENT).get_by_role("button", name="Mark read").click()
        expect(physio.get_by_text("text is marked as read")).to_be_visible()
        expect(physio.locator(".texts-inbox")).not_to_contain_text(URGENT)
    finally:
        context.close()
