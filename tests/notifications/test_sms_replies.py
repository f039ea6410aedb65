"""Y and N replies to the appointment reminder, and the queue of texts reception reads."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.models import Appointment
from bookings.services import appointment_book
from notifications.models import SmsInbound
from tests.bookings.factories import follow_up
from tests.notifications.test_sms import texting_patient
from tests.notifications.test_sms_consent import reply

pytestmark = pytest.mark.django_db

INBOX = reverse("notifications:sms_inbox")


def booked(patient, therapist, *, hours: float) -> Appointment:
    start = (timezone.now() + dt.timedelta(hours=hours)).replace(second=0, microsecond=0)
    return appointment_book(
        patient=patient,
        therapist=therapist,
        appointment_type=follow_up(),
        start=start,
        by=therapist,
        allow_outside_hours=True,
    )


def test_y_confirms_the_next_unconfirmed_appointment(client, twilio, therapist):
    patient = texting_patient()
    later = booked(patient, therapist, hours=24 * 9)
    sooner = booked(patient, therapist, hours=24 * 3)

    response = reply(client, patient, " y ")

    assert "is confirmed" in response.content.decode()
    sooner.refresh_from_db()
    later.refresh_from_db()
    assert sooner.confirmed_at is not None
    assert later.confirmed_at is None
    assert SmsInbound.objects.get().action == "confirmed appointment"
    assert reply(client, patient, "YES", sid="SM2").status_code == 200
    later.refresh_from_db()
    assert later.confirmed_at is not None  # the next one still unconfirmed


def test_n_cancels_and_inside_the_notice_window_it_is_recorded_as_late(client, twilio, therapist):
    patient = texting_patient()
    soon = booked(patient, therapist, hours=3)

    response = reply(client, patient, "N")

    assert "is cancelled" in response.content.decode()
    soon.refresh_from_db()
    assert soon.status == Appointment.Status.CANCELLED
    assert soon.late_cancellation is True
    assert soon.cancellation_reason == "Cancelled by the patient's text reply"


def test_n_well_ahead_is_not_late(client, twilio, therapist):
    patient = texting_patient()
    ahead = booked(patient, therapist, hours=24 * 4)

    reply(client, patient, "no")

    ahead.refresh_from_db()
    assert (ahead.status, ahead.late_cancellation) == (Appointment.Status.CANCELLED, False)


def test_the_appointment_reminder_asks_for_y_or_n(therapist):
    from bookings.reminders import AppointmentReminders
    from notifications.sources import Compose

    appointment = booked(texting_patient(), therapist, hours=48)
    [content] = AppointmentReminders().compose_many(
        [Compose(appointment.pk, timezone.localdate(), "Alex")]
    )

    assert content.sms.endswith("Reply Y to confirm or N to cancel.")


@pytest.mark.parametrize("body", ["running late, sorry", "can I move to Thursday?", "Y"])
def test_unclear_replies_wait_for_reception_who_mark_them_dealt_with(
    client, twilio, reception_client, body
):
    patient = texting_patient()  # no appointment, so even a Y has nothing to confirm

    response = reply(client, patient, body)

    assert "<Message>" not in response.content.decode()
    page = reception_client.get(INBOX)
    assert body in page.content.decode()
    assert patient.full_name in page.content.decode()
    inbound = SmsInbound.objects.get()
    done = reception_client.post(reverse("notifications:sms_inbox_done", args=[inbound.public_id]))
    assert done.status_code == 302
    assert "No texts waiting." in reception_client.get(INBOX).content.decode()
    inbound.refresh_from_db()
    assert inbound.handled_by is not None


def test_a_y_from_a_shared_number_confirms_nothing(client, twilio, therapist):
    from tests.patients.factories import PatientFactory

    first = texting_patient(phone="+447911123456")
    PatientFactory(phone="+447911123456")
    appointment = booked(first, therapist, hours=48)

    reply(client, first, "Y")

    appointment.refresh_from_db()
    assert appointment.confirmed_at is None
    assert SmsInbound.objects.get().handled_at is None


def test_the_inbox_query_count_does_not_grow(reception_client, django_assert_num_queries):
    from notifications.inbound import sms_inbound_handle

    def texts(count: int, start: int) -> None:
        for index in range(start, start + count):
            patient = texting_patient()
            sms_inbound_handle(
                provider_id=f"SM{index}", from_number=str(patient.phone), body="hi", intent=""
            )

    texts(1, 0)
    reception_client.get(INBOX)  # the first staff request also saves the session
    # session, user, count, the page of texts with their patients, the clinic's texts back
    with django_assert_num_queries(5):
        reception_client.get(INBOX)
    texts(30, 1)
    with django_assert_num_queries(5):
        response = reception_client.get(INBOX)
    assert len(response.context["page"].object_list) == 25
