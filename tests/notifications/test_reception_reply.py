"""Reception answers a patient's text from the "Texts from patients" queue: through the SMS
channel, once, only to a patient who agrees to texts, logged in the conversation and the
delivery log, and the text marked dealt with."""

from __future__ import annotations

import pytest
from django.urls import reverse

from clinic.models import AuditEvent
from notifications.consent import consent_record
from notifications.conversation import segments
from notifications.models import SmsInbound, SmsMessage, SmsReply
from tests.notifications.test_sms import texting_patient
from tests.notifications.test_text_safety import sent_inline, text_in  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db
INBOX = reverse("notifications:sms_inbox")


def reply_url(text) -> str:
    return reverse("notifications:sms_inbox_reply", args=[text.public_id])


@pytest.fixture
def patient(db):
    return texting_patient(first_name="Pat", last_name="Quinn")


@pytest.fixture
def text(client, twilio, patient, django_capture_on_commit_callbacks):
    return text_in(client, patient, "can I move to Thursday", django_capture_on_commit_callbacks)


@pytest.mark.usefixtures("sent_inline")
def test_it_texts_the_patient_back_logs_it_and_marks_the_text_dealt_with(
    client, reception, twilio, patient, text, django_capture_on_commit_callbacks
):
    client.force_login(reception)
    body = "Yes, Thursday 10:00 is free. We have moved you."
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reply_url(text), {"body": body})

    assert response.status_code == 302
    assert [(sent.to, sent.body) for sent in twilio.messages] == [(str(patient.phone), body)]
    reply = SmsReply.objects.get()
    assert (reply.kind, reply.status, reply.sent_by, reply.inbound) == (
        "reception",
        "sent",
        reception,
        text,
    )
    log = SmsMessage.objects.get()
    assert (log.provider_id, log.kind, log.patient) == (
        twilio.messages[0].sid,
        "reception",
        patient,
    )
    text.refresh_from_db()
    assert (text.handled_by, text.action) == (reception, "answered by reception")
    assert "reply to Pat Quinn is on its way (1 text part)" in client.get(INBOX).content.decode()
    event = AuditEvent.objects.get(detail__event="sms_reply")
    assert (event.actor_id, event.patient_id, event.detail["status"]) == (
        reception.pk,
        patient.pk,
        "pending",
    )


@pytest.mark.usefixtures("sent_inline")
def test_it_sends_nothing_to_a_patient_who_said_stop_and_tells_reception_why(
    client, reception, twilio, patient, text, django_capture_on_commit_callbacks
):
    consent_record(patient=patient, channel="sms", given=False, how="replied_stop")
    client.force_login(reception)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reply_url(text), {"body": "See you Thursday"}, follow=True)

    assert twilio.attempts == 0
    assert SmsReply.objects.get().status == "refused"
    assert "has not agreed to texts or has replied STOP" in response.content.decode()


@pytest.mark.parametrize(
    ("body", "error"),
    [("", "Write the reply first."), ("   ", "Write the reply first."), ("x" * 601, "600")],
)
def test_it_refuses_an_empty_or_too_long_reply_next_to_the_field(
    client, reception, twilio, text, body, error
):
    client.force_login(reception)
    response = client.post(reply_url(text), {"body": body})
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not SmsReply.objects.exists()
    text.refresh_from_db()
    assert text.handled_at is None


def test_it_lets_therapists_reply_but_gives_patients_a_404(
    client, therapist, patient_user, twilio, text
):
    client.force_login(patient_user)
    assert client.post(reply_url(text), {"body": "hi"}).status_code == 404
    client.force_login(therapist)
    assert client.post(reply_url(text), {"body": "hi"}).status_code == 302


def test_it_will_not_reply_to_a_number_no_single_patient_has(
    client, reception, twilio, django_capture_on_commit_callbacks
):
    text = text_in(client, "+447911999888", "hello?", django_capture_on_commit_callbacks)
    client.force_login(reception)
    response = client.post(reply_url(text), {"body": "Who is this?"}, follow=True)
    assert "ring them instead" in response.content.decode()
    assert not SmsReply.objects.exists()
    assert SmsInbound.objects.get().handled_at is None


PARTS = [
    ("a" * 160, 1),
    ("a" * 161, 2),
    ("a" * 306, 2),
    ("a" * 307, 3),
    ("é" * 160, 1),  # in the GSM alphabet
    ("{" * 80, 1),  # two units each
    ("{" * 81, 2),
    ("\U0001f600" * 35, 1),  # an emoji: UCS-2, two units each
    ("\U0001f600" * 36, 2),
    ("a" * 600, 4),
]


@pytest.mark.parametrize(("body", "parts"), PARTS)
def test_it_counts_text_parts_as_the_provider_charges_them(body, parts):
    assert segments(body) == parts


def test_it_picks_up_a_reply_whose_send_task_was_lost(text, patient):
    import datetime as dt

    from django.utils import timezone

    from notifications.conversation import sms_replies_overdue

    lost = SmsReply.objects.create(
        inbound=text, patient=patient, phone=str(patient.phone), body="Hello", kind="reception"
    )
    assert sms_replies_overdue() == []  # its task may still be on its way
    assert sms_replies_overdue(now=timezone.now() + dt.timedelta(hours=1)) == [lost.pk]
    SmsReply.objects.filter(pk=lost.pk).update(status="sent")
    assert sms_replies_overdue(now=timezone.now() + dt.timedelta(hours=1)) == []
