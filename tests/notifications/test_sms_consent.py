"""Consent to texts: STOP and START replies through the signed webhook, and reception recording
a patient's answer with when and how."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from notifications.consent import STOP_CONFIRMATION, consent_record, sms_consenting
from notifications.dispatch import reminders_dispatch
from notifications.keywords import reply_intent
from notifications.models import ContactConsent, ReminderDelivery, SmsInbound
from tests.notifications.fake_twilio import CLINIC_NUMBER, twilio_signature
from tests.notifications.test_sms import NOON, texting_patient
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

INBOUND = "/notifications/sms/inbound/"


def reply(client, patient_or_number, body: str, sid: str = "SMreply1"):
    number = getattr(patient_or_number, "phone", patient_or_number)
    params = {"MessageSid": sid, "From": str(number), "To": CLINIC_NUMBER, "Body": body}
    signature = twilio_signature("http://testserver" + INBOUND, params)
    return client.post(INBOUND, params, HTTP_X_TWILIO_SIGNATURE=signature)


@pytest.mark.parametrize(
    "body", ["STOP", "stop", "  Stop \n", "STOPALL", "unsubscribe", "Cancel", "END", "quit."]
)
def test_it_reads_every_usual_opt_out_word(body):
    assert reply_intent(body) == "stop"


@pytest.mark.parametrize(
    "body", ["Stop texting me about Tuesday", "Yes please", "running late", ""]
)
def test_it_leaves_anything_else_for_a_person(body):
    assert reply_intent(body) == ""


@pytest.mark.parametrize("body", ["STOP", " stopall ", "Unsubscribe", "end"])
def test_a_stop_reply_opts_out_at_once_and_is_confirmed_by_one_text(
    client, twilio, make_schedule, body
):
    patient = texting_patient()

    response = reply(client, patient, body)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml"
    assert response.content.decode().count("<Message>") == 1
    assert STOP_CONFIRMATION in response.content.decode()
    latest = ContactConsent.objects.filter(patient=patient).order_by("-at", "-id").first()
    assert (latest.given, latest.how, latest.evidence) == (False, "replied_stop", body)
    with time_machine.travel(NOON, tick=False):
        make_schedule(patient, times=["13:00"], channel="sms")
        reminders_dispatch()
    assert ReminderDelivery.objects.get().status == "skipped"
    assert twilio.messages == []


def test_the_same_stop_reported_twice_is_acted_on_and_answered_once(client, twilio):
    patient = texting_patient()

    first = reply(client, patient, "STOP", sid="SMsame")
    second = reply(client, patient, "STOP", sid="SMsame")

    assert "<Message>" in first.content.decode()
    assert "<Message>" not in second.content.decode()
    assert ContactConsent.objects.filter(patient=patient, given=False).count() == 1


@pytest.mark.parametrize("body", ["START", "unstop"])
def test_a_start_reply_opts_back_in(client, twilio, body):
    patient = texting_patient()
    reply(client, patient, "STOP", sid="SM1")

    response = reply(client, patient, body, sid="SM2")

    assert "texts from us are back on" in response.content.decode()
    assert sms_consenting({patient.pk}) == {patient.pk}


def test_a_reply_from_an_unknown_number_is_never_matched_by_guess(client, twilio):
    patient = texting_patient(phone="+447911123456")

    response = reply(client, "+447911123450", "STOP")

    assert "<Message>" not in response.content.decode()
    assert sms_consenting({patient.pk}) == {patient.pk}
    inbound = SmsInbound.objects.get()
    assert (inbound.patient, inbound.action) == (None, "")


def test_start_from_a_number_two_patients_share_changes_nobody(client, twilio):
    first = PatientFactory(phone="+447911123456")
    second = PatientFactory(phone="+447911123456")

    reply(client, first, "START")

    assert sms_consenting({first.pk, second.pk}) == set()
    assert SmsInbound.objects.get().patient is None


def test_reception_records_consent_with_when_how_and_by_whom(reception_client, reception):
    patient = PatientFactory()
    url = reverse("notifications:sms_consent", args=[patient.public_id])

    response = reception_client.post(url, {"given": "yes", "how": "phone"})

    assert response.status_code == 302
    consent = ContactConsent.objects.get()
    assert (consent.given, consent.how, consent.by, consent.channel) == (
        True,
        "phone",
        reception,
        "sms",
    )
    page = reception_client.get(reverse("notifications:patient_log", args=[patient.public_id]))
    assert "The patient agreed to text messages on" in page.content.decode()


def test_a_consent_form_with_no_answer_says_so_and_stores_nothing(reception_client):
    patient = PatientFactory()
    url = reverse("notifications:sms_consent", args=[patient.public_id])

    response = reception_client.post(url, {"how": "replied_stop"})

    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert "Select a valid choice." in response.content.decode()
    assert not ContactConsent.objects.exists()


def test_only_staff_record_consent(client, patient_user):
    patient = PatientFactory()
    url = reverse("notifications:sms_consent", args=[patient.public_id])
    client.force_login(patient_user)

    response = client.post(url, {"given": "yes", "how": "phone"})

    assert response.status_code in (403, 404)
    assert not ContactConsent.objects.exists()


def test_the_latest_change_is_the_consent_in_force():
    patient = PatientFactory()
    assert sms_consenting({patient.pk}) == set()
    consent_record(patient=patient, channel="sms", given=True, how="written")
    assert sms_consenting({patient.pk}) == {patient.pk}
    consent_record(patient=patient, channel="sms", given=False, how="replied_stop")
    assert sms_consenting({patient.pk}) == set()
    assert ContactConsent.objects.filter(patient=patient).count() == 2  # history kept


def test_erasing_a_patient_blanks_the_numbers_in_their_text_logs(client, twilio, manager):
    from notifications.models import SmsMessage
    from notifications.sms_log import sms_message_record
    from patients.privacy import patient_erase

    patient = texting_patient()
    reply(client, patient, "STOP")
    message = sms_message_record(reference="", to=str(patient.phone), provider_id="SMout")
    SmsMessage.objects.filter(pk=message.pk).update(patient=patient)

    patient_erase(patient=patient, user=manager, reason="Written request")

    assert SmsInbound.objects.get().phone == ""
    assert SmsMessage.objects.get().phone == ""
