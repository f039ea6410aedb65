"""A patient's comment reaches the therapist's dashboard; the reply reaches the patient's portal."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from exercises.library import library_load
from exercises.models import Exercise, SessionLog
from tests.browser.conftest import PHONE, log_in
from tests.conftest import PASSWORD, make_user
from tests.exercises.factories import log, published_plan
from tests.patients.factories import PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
COMMENT = "My knee felt warm after the squats, is that normal?"
REPLY = "A little warmth is fine. Do 2 sets instead of 3 this week."


def test_it_brings_a_comment_to_the_therapist_and_the_reply_to_the_patient(
    browser, live_server, phone_page
):
    library_load(Exercise)  # earlier transactional tests may have flushed the migration's rows
    therapist = make_user("physio@test.example", "therapist", first_name="Tess")
    patient_user = make_user("ada@runners.example", "patient", first_name="Ada")
    patient = PatientFactory(user=patient_user, first_name="Ada", email="ada@runners.example")
    plan = published_plan(
        therapist=therapist,
        patient=patient,
        start_date=timezone.localdate() - dt.timedelta(days=7),
    )
    entry = log(plan, timezone.localdate() - dt.timedelta(days=1))
    SessionLog.objects.filter(pk=entry.pk).update(comment=COMMENT)

    # The therapist, on a phone, sees the unread comment on the dashboard and marks it read.
    physio = phone_page
    log_in(physio, therapist.email, PASSWORD)
    physio.wait_for_url("**/dashboard/")
    inbox = physio.locator(".comments-inbox")
    expect(inbox).to_contain_text(COMMENT)
    expect(inbox).to_contain_text("Unread")
    assert physio.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    physio.get_by_role("button", name=re.compile("Mark read")).click()
    expect(physio.get_by_text("comment is marked as read")).to_be_visible()
    expect(physio.locator(".comments-inbox")).not_to_contain_text("Unread")

    # ...then replies to it.
    physio.get_by_role("link", name=re.compile("Reply")).first.click()
    expect(physio.get_by_text(COMMENT)).to_be_visible()
    physio.get_by_label("Your reply").fill(REPLY)
    physio.get_by_role("button", name="Send reply").click()
    expect(physio.get_by_text("Reply sent.")).to_be_visible()
    assert physio.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # The patient sees the reply on the portal home and under the session in their log.
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, is_mobile=True)
    context.set_default_timeout(15_000)
    phone = context.new_page()
    try:
        log_in(phone, patient_user.email, PASSWORD)
        phone.wait_for_url("**/portal/")
        replies = phone.locator(".portal-replies")
        expect(replies).to_contain_text("Your physio replied")
        expect(replies).to_contain_text(REPLY)
        replies.get_by_role("link").first.click()
        expect(phone.locator(".portal-reply")).to_contain_text(REPLY)
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()
