"""Choosing text messages for a reminder in the portal is the patient's consent to texts; moving
back to email withdraws it (UK PECR: texts only to patients who agreed)."""

from __future__ import annotations

import pytest

from notifications.consent import PORTAL_SMS_AGREEMENT, sms_consenting
from notifications.models import ContactConsent
from tests.notifications.test_pages import form_data, schedule_of, update_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient(patient_user):
    from tests.patients.factories import PatientFactory

    return PatientFactory(
        user=patient_user, email_reminders_consent=True, phone="+447912345678", first_name="Pat"
    )


@pytest.fixture
def plan(patient, therapist):
    from tests.exercises.factories import published_plan

    return published_plan(therapist=therapist, patient=patient)


def consents(patient) -> list[tuple]:
    return list(
        ContactConsent.objects.filter(patient=patient)
        .order_by("at", "id")
        .values_list("given", "how", "by", "evidence")
    )


def test_it_records_consent_when_the_patient_chooses_texts(client, patient_user, patient, plan):
    client.force_login(patient_user)
    schedule = schedule_of(plan)
    assert sms_consenting({patient.pk}) == set()

    response = client.post(update_url(schedule), form_data(schedule, channel="sms"))

    assert response.status_code == 302
    assert consents(patient) == [(True, "portal", patient_user.pk, PORTAL_SMS_AGREEMENT)]
    assert sms_consenting({patient.pk}) == {patient.pk}
    # Saving again with texts changes nothing: consent is already in force.
    client.post(update_url(schedule), form_data(schedule, channel="sms"))
    assert len(consents(patient)) == 1


def test_it_withdraws_consent_when_the_patient_moves_back_to_email(
    client, patient_user, patient, plan
):
    client.force_login(patient_user)
    schedule = schedule_of(plan)
    client.post(update_url(schedule), form_data(schedule, channel="sms"))

    client.post(update_url(schedule), form_data(schedule, channel="email"))

    assert [row[:2] for row in consents(patient)] == [(True, "portal"), (False, "portal")]
    assert sms_consenting({patient.pk}) == set()


def test_it_leaves_consent_alone_when_email_stays_email(client, patient_user, patient, plan):
    client.force_login(patient_user)
    schedule = schedule_of(plan)
    client.post(update_url(schedule), form_data(schedule, channel="email"))
    assert consents(patient) == []


def test_it_shows_what_choosing_texts_means_next_to_the_choice(client, patient_user, plan):
    from django.urls import reverse

    client.force_login(patient_user)
    page = client.get(reverse("portal:reminders:settings")).content.decode()
    assert "you agree that Apex Clinic may text your mobile" in page
