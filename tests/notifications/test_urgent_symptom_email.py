"""The therapist's email about an urgent symptom goes through the reminder pipeline: to the
therapist, once, with no clinical detail, whatever the patient chose for their own reminders."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from exercises.services import session_log_save
from notifications.dispatch import reminders_dispatch
from notifications.models import ReminderDelivery, ReminderSchedule
from notifications.schedules import reminder_schedule_update
from patients.models import Patient
from tests.exercises.factories import published_plan
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def patient():
    return PatientFactory(
        first_name="Pat", last_name="Quinn", email="pat@runners.example", phone="+447700900123"
    )


@pytest.fixture
def plan(patient, therapist):
    return published_plan(therapist=therapist, patient=patient, start_date=TODAY)


def report(plan, *symptoms):
    return session_log_save(
        patient=plan.patient,
        plan=plan,
        date=TODAY,
        done=[],
        pain_during=3,
        pain_after=4,
        difficulty="hard",
        new_symptoms=list(symptoms),
    )


def send_everything_due(at: dt.datetime) -> None:
    reminders_dispatch(now=at)


def test_it_emails_the_therapist_without_clinical_detail_or_the_patients_name(
    plan, patient, therapist
):
    patient.email_reminders_consent = False  # about reminders to the patient, not this email
    patient.save()
    report(plan, "saddle_numbness")
    send_everything_due(NOW + dt.timedelta(seconds=1))
    send_everything_due(NOW + dt.timedelta(minutes=5))  # later cycles send nothing more
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == [therapist.email]
    text = sent.body + sent.alternatives[0][0]
    assert "One of your patients reported an urgent symptom" in text
    assert "/dashboard/" in text
    for secret in ("Pat", "Quinn", "Numbness", "emergency", patient.email):
        assert secret not in text
    assert "List-Unsubscribe" not in sent.extra_headers
    assert ReminderDelivery.objects.get(schedule__source="urgent_symptom").status == "sent"


def test_it_emails_the_therapist_whatever_the_patient_chose_for_their_reminders(
    plan, patient, therapist
):
    # The patient wants text messages, has quiet hours now and turned their reminders off.
    patient.preferred_contact = Patient.ContactChannel.SMS
    patient.save()
    own = ReminderSchedule.objects.get(source="exercise_plan")
    report(plan, "hot_calf")
    reminder_schedule_update(
        schedule=own,
        enabled=False,
        times=[dt.time(18)],
        weekdays=range(7),
        channel=ReminderSchedule.Channel.SMS,
        time_zone="Europe/London",
        quiet_start=dt.time(9),
        quiet_end=dt.time(20),
        paused_until=None,
    )
    alert = ReminderSchedule.objects.get(source="urgent_symptom")
    assert (alert.channel, alert.quiet_start) == (ReminderSchedule.Channel.EMAIL, None)
    send_everything_due(NOW + dt.timedelta(seconds=1))
    assert [message.to for message in mail.outbox] == [[therapist.email]]


def test_it_names_the_email_without_clinical_words_where_reception_sees_it(
    plan, therapist, reception, client, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_PORT = 9  # nothing listens: the send fails until it is given up
    report(plan, "hot_calf")
    send_everything_due(NOW + dt.timedelta(seconds=1))
    ReminderDelivery.objects.filter(schedule__source="urgent_symptom").update(status="failed")
    client.force_login(reception)
    page = client.get(reverse("notifications:failed")).content.decode()
    assert "Notice to the therapist" in page
    for clinical in ("urgent", "Urgent", "symptom", "calf"):
        assert clinical not in page
