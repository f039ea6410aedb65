"""Twilio's error 21610 (the recipient texted STOP to the carrier) is an opt-out: it is recorded
as the patient's withdrawn consent, so nothing more is tried."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from notifications.consent import sms_consenting
from notifications.conversation import sms_reply_send
from notifications.dispatch import reminders_dispatch
from notifications.models import ContactConsent, ReminderDelivery, SmsReply
from tests.notifications.test_sms import NOON, dispatch, post_signed
from tests.notifications.test_sms import texting_patient as _texting_patient


def texting_patient():
    """Agreed to texts before the reminders these tests send (at NOON)."""
    with time_machine.travel(NOON - dt.timedelta(days=1), tick=False):
        return _texting_patient()


pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("status", "code", "words", "opted_out"),
    [
        (400, 21610, "Attempt to send to unsubscribed recipient", True),
        (400, 21211, "is not a valid phone number", False),
        (400, 21614, "is not a mobile number", False),
        (503, 20500, "Service unavailable", False),
    ],
)
def test_it_records_a_carrier_opt_out_only_for_error_21610(
    make_schedule, twilio, status, code, words, opted_out
):
    patient = texting_patient()
    twilio.fail = lambda attempt, to: (status, code, f"The 'To' number {to} {words}")

    dispatch(make_schedule, patient)

    assert (sms_consenting({patient.pk}) == set()) is opted_out
    carrier = ContactConsent.objects.filter(patient=patient, how="carrier")
    assert carrier.count() == (1 if opted_out else 0)
    if opted_out:
        row = carrier.get()
        assert row.given is False
        assert row.get_how_display() == "Carrier said unsubscribed"
        assert "21610" in row.evidence
        assert str(patient.phone)[4:] not in row.evidence  # the number is masked


def test_it_tries_no_more_texts_after_the_carrier_opt_out(make_schedule, twilio):
    patient = texting_patient()
    twilio.fail = lambda attempt, to: (400, 21610, "Attempt to send to unsubscribed recipient")
    first = dispatch(make_schedule, patient)
    assert first.status == ReminderDelivery.Status.FAILED
    attempts = twilio.attempts

    # The next reminder to the same patient is skipped for want of consent: no request at all.
    with time_machine.travel(NOON, tick=False):
        other = make_schedule(patient, times=["13:00"], channel="sms")
        reminders_dispatch()
    assert twilio.attempts == attempts
    second = ReminderDelivery.objects.filter(schedule=other).first()
    assert second is None or second.status == ReminderDelivery.Status.SKIPPED


def test_it_records_the_opt_out_when_a_conversation_text_meets_21610(twilio):
    from notifications.models import SmsInbound

    patient = texting_patient()
    text = SmsInbound.objects.create(
        provider_id="SMin",
        phone=str(patient.phone),
        body="hi",
        received_at="2026-06-01T12:00Z",
        patient=patient,
    )
    reply = SmsReply.objects.create(
        inbound=text, patient=patient, phone=str(patient.phone), body="Hello", kind="reception"
    )
    twilio.fail = lambda attempt, to: (400, 21610, "Attempt to send to unsubscribed recipient")

    assert sms_reply_send(reply_id=reply.pk) is None  # not worth a retry
    reply.refresh_from_db()
    assert reply.status == "failed"
    assert "Twilio 21610" in reply.reason
    assert sms_consenting({patient.pk}) == set()


def test_it_records_the_opt_out_from_a_delivery_report_with_21610(make_schedule, twilio, client):
    patient = texting_patient()
    delivery = dispatch(make_schedule, patient)
    sent = twilio.messages[0]

    post_signed(
        client,
        "sms_status",
        {"MessageSid": sent.sid, "MessageStatus": "failed", "ErrorCode": "21610", "To": sent.to},
        query=f"?delivery={delivery.public_id}",
    )

    assert sms_consenting({patient.pk}) == set()
    assert ContactConsent.objects.filter(patient=patient, how="carrier").count() == 1
