"""Text reminders through Twilio's real library to a local Twilio API: consent, validation,
failures, the delivery log and its status reports."""

from __future__ import annotations

import logging

import pytest
import time_machine
from django.urls import reverse

from notifications.consent import consent_record
from notifications.dispatch import reminders_dispatch
from notifications.models import ContactConsent, ReminderDelivery, SmsMessage
from notifications.sending import MAX_ATTEMPTS, delivery_send
from patients.models import Patient
from tests.notifications.conftest import utc
from tests.notifications.fake_twilio import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    MESSAGING_SERVICE_SID,
    twilio_signature,
)
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

Status = ReminderDelivery.Status
NOON = utc(2026, 6, 1, 12)


def texting_patient(**fields) -> Patient:
    patient = PatientFactory(**fields)
    consent_record(patient=patient, channel="sms", given=True, how="in_person")
    return patient


def dispatch(make_schedule, patient, **fields) -> ReminderDelivery:
    with time_machine.travel(NOON, tick=False):
        make_schedule(patient, times=["13:00"], channel="sms", **fields)
        reminders_dispatch()
    return ReminderDelivery.objects.get(patient=patient)


def post_signed(client, name: str, params: dict, *, query: str = "", token: str = AUTH_TOKEN):
    path = reverse(f"notifications:{name}") + query
    signature = twilio_signature("http://testserver" + path, params, token)
    return client.post(path, params, HTTP_X_TWILIO_SIGNATURE=signature)


def test_it_sends_a_text_through_twilio_to_the_number_in_international_form(make_schedule, twilio):
    patient = texting_patient(phone="07911 123456")

    delivery = dispatch(make_schedule, patient)

    assert delivery.status == Status.SENT
    [sent] = twilio.messages
    assert sent.to == "+447911123456"
    assert sent.sender == MESSAGING_SERVICE_SID
    assert twilio.auth == [(ACCOUNT_SID, AUTH_TOKEN)]
    assert "Reply STOP" in sent.body
    assert sent.status_callback.endswith(
        f"/notifications/sms/status/?delivery={delivery.public_id}"
    )
    log = SmsMessage.objects.get()
    assert (log.provider_id, log.delivery, log.status) == (sent.sid, delivery, "queued")


def test_it_sends_no_text_to_a_patient_who_has_not_agreed(make_schedule, twilio):
    patient = PatientFactory(email_reminders_consent=True)

    delivery = dispatch(make_schedule, patient)

    assert delivery.status == Status.SKIPPED
    assert "not agreed to text messages" in delivery.reason
    assert twilio.messages == []


def test_it_sends_no_text_after_consent_is_withdrawn(make_schedule, twilio):
    patient = texting_patient()
    consent_record(patient=patient, channel="sms", given=False, how="phone")

    assert dispatch(make_schedule, patient).status == Status.SKIPPED
    assert twilio.messages == []


def test_it_never_sends_to_a_number_that_fails_validation(make_schedule, twilio):
    patient = texting_patient()
    # An old import slipped past the form: the send step checks again.
    Patient.objects.filter(pk=patient.pk).update(phone="+4479")

    delivery = dispatch(make_schedule, patient)

    assert delivery.status == Status.FAILED
    assert delivery.last_error == "The mobile number on file is not valid."
    assert twilio.attempts == 0


def test_it_retries_after_an_outage_and_sends_once(make_schedule, twilio):
    twilio.fail = lambda attempt, to: (503, 20500, "Service unavailable") if attempt == 1 else None
    patient = texting_patient()

    delivery = dispatch(make_schedule, patient)
    assert delivery.status == Status.PENDING
    assert "Twilio 20500" in delivery.last_error
    with time_machine.travel(delivery.next_attempt_at, tick=False):
        delivery_send(delivery_id=delivery.pk)
        delivery_send(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert delivery.status == Status.SENT
    assert twilio.count() == 1


@pytest.mark.parametrize(
    ("code", "words"),
    [(21211, "is not a valid phone number"), (21610, "Attempt to send to unsubscribed recipient")],
)
def test_it_fails_for_good_on_a_rejected_number_without_writing_it_down(
    make_schedule, twilio, code, words
):
    patient = texting_patient(phone="+447911123457")
    twilio.fail = lambda attempt, to: (400, code, f"The 'To' number {to} {words}")

    delivery = dispatch(make_schedule, patient)

    assert delivery.status == Status.FAILED
    assert delivery.attempts == 1 < MAX_ATTEMPTS
    assert f"Twilio {code}" in delivery.last_error
    assert "7911123457" not in delivery.last_error
    assert "+44•••457" in delivery.last_error


def test_it_never_sends_twice_when_twilio_accepted_but_the_answer_was_lost(make_schedule, twilio):
    twilio.fail = lambda attempt, to: "drop"
    patient = texting_patient()

    delivery = dispatch(make_schedule, patient)
    with time_machine.travel(NOON.replace(hour=13, minute=30), tick=False):
        reminders_dispatch()

    delivery.refresh_from_db()
    assert delivery.status == Status.SENT
    assert delivery.last_error.startswith("Not confirmed")
    assert twilio.attempts == 1


def test_it_keeps_going_when_twilio_cannot_be_reached(make_schedule, twilio, settings):
    settings.TWILIO_API_BASE_URL = "http://127.0.0.1:9"  # nothing listens on the discard port
    from notifications.sms import sms_backend

    sms_backend.cache_clear()
    delivery = dispatch(make_schedule, texting_patient())

    assert delivery.status == Status.PENDING
    assert delivery.handed_over_at is None  # nothing left: a retry may send
    assert delivery.last_error.startswith("Could not reach Twilio")


def test_it_moves_the_log_on_with_each_signed_report_and_lists_a_failure(
    make_schedule, twilio, client, reception_client
):
    patient = texting_patient()
    delivery = dispatch(make_schedule, patient)
    sid = twilio.messages[0].sid
    query = f"?delivery={delivery.public_id}"
    report = {"MessageSid": sid, "AccountSid": ACCOUNT_SID, "To": twilio.messages[0].to}

    for status in ("sent", "undelivered"):
        params = {**report, "MessageStatus": status}
        if status == "undelivered":
            params["ErrorCode"] = "30003"
        assert post_signed(client, "sms_status", params, query=query).status_code == 204
    # A late, out-of-order report never moves a message back.
    post_signed(client, "sms_status", {**report, "MessageStatus": "sent"}, query=query)

    log = SmsMessage.objects.get()
    assert (log.status, log.error_code) == ("undelivered", "30003")
    delivery.refresh_from_db()
    assert delivery.status == Status.FAILED
    assert "switched off or out of reach" in delivery.last_error
    page = reception_client.get(reverse("notifications:failed"))
    assert patient.full_name in page.content.decode()
    assert "Text: Not delivered (Error 30003" in page.content.decode()


def test_a_report_for_a_text_whose_answer_was_lost_finds_its_reminder(
    make_schedule, twilio, client
):
    twilio.fail = lambda attempt, to: "drop"
    delivery = dispatch(make_schedule, texting_patient())
    sid = twilio.messages[0].sid

    post_signed(
        client,
        "sms_status",
        {"MessageSid": sid, "MessageStatus": "delivered"},
        query=f"?delivery={delivery.public_id}",
    )

    assert SmsMessage.objects.get().delivery == delivery
    assert SmsMessage.objects.get().status == "delivered"


@pytest.mark.parametrize("name", ["sms_status", "sms_inbound"])
def test_it_refuses_a_webhook_without_the_providers_signature(client, twilio, caplog, name):
    patient = texting_patient()
    params = {"MessageSid": "SM1", "MessageStatus": "failed", "From": str(patient.phone)}
    params["Body"] = "STOP"
    path = reverse(f"notifications:{name}")

    with caplog.at_level(logging.WARNING, logger="notifications.webhooks"):
        unsigned = client.post(path, params)
        forged = post_signed(client, name, params, token="not-the-token")
        tampered = client.post(
            path,
            {**params, "Body": "START"},
            HTTP_X_TWILIO_SIGNATURE=twilio_signature("http://testserver" + path, params),
        )

    assert [unsigned.status_code, forged.status_code, tampered.status_code] == [403, 403, 403]
    assert caplog.text.count("Refused an SMS webhook") == 3
    assert not SmsMessage.objects.exists()
    assert ContactConsent.objects.filter(given=False).count() == 0
    assert client.get(path).status_code == 405
