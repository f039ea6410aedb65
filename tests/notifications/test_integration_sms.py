"""Appointment reminders by text through the real pipeline: Celery beat and worker processes,
Redis, the site's Twilio backend and Twilio's own library talking to a local Twilio API, and
the site (a live server) receiving its signed delivery reports and replies.
"""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.utils import timezone

from bookings.services import appointment_book
from notifications.consent import consent_record
from notifications.models import ReminderDelivery, ReminderSchedule, SmsMessage
from patients.models import Patient
from tests.bookings.factories import follow_up
from tests.notifications.fake_twilio import (
    AUTH_TOKEN,
    FakeTwilio,
    FakeTwilioServer,
    provider_env,
)
from tests.notifications.integration import Processes, require_real_services, wait_for
from tests.patients.factories import PatientFactory

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

Status = ReminderDelivery.Status


@pytest.fixture(autouse=True)
def _real_services():
    require_real_services()


@pytest.fixture
def provider(settings, live_server):
    """The local Twilio API, and the live site set to accept what it signs."""
    fake = FakeTwilio()
    with FakeTwilioServer(fake) as server:
        settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
        settings.TWILIO_WEBHOOK_BASE_URL = live_server.url
        fake.env = provider_env(server.url, live_server.url)
        fake.site = live_server.url
        yield fake


def appointment_texts_due(count: int, therapist) -> list[Patient]:
    """`count` patients who agreed to texts, each with an appointment whose reminder is due."""
    patients = []
    start = (timezone.now() + dt.timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    for index in range(count):
        patient = PatientFactory(
            first_name=f"Runner{index}",
            phone=f"+4479111{index:05d}",
            preferred_contact=Patient.ContactChannel.SMS,
        )
        consent_record(patient=patient, channel="sms", given=True, how="in_person")
        appointment_book(
            patient=patient,
            therapist=therapist,
            appointment_type=follow_up(),
            start=start + dt.timedelta(hours=index),
            by=therapist,
            allow_outside_hours=True,
        )
        patients.append(patient)
    schedules = ReminderSchedule.objects.filter(source="appointment")
    assert set(schedules.values_list("channel", flat=True)) == {"sms"}
    schedules.update(next_due_at=timezone.now() - dt.timedelta(seconds=1))
    return patients


def test_n_appointment_reminders_give_exactly_n_texts_across_a_provider_outage(
    therapist, smtp, processes: Processes, clean_broker, provider
):
    count = 8
    patients = appointment_texts_due(count, therapist)
    outage = {}

    def down_for_a_while(attempt: int, to: str):
        started = outage.setdefault("start", time.monotonic())
        if time.monotonic() - started < 2.5:
            return (503, 20500, "Service unavailable")
        return None

    provider.fail = down_for_a_while
    env = processes.env(broker=clean_broker(5), smtp_port=smtp.port, **provider.env)
    processes.worker(env, concurrency=2)
    processes.beat(env)

    wait_for(
        lambda: provider.count() >= count,
        timeout=90,
        what=f"{count} texts at the provider",
        details=processes.logs,
    )
    wait_for(
        lambda: SmsMessage.objects.filter(status="delivered").count() == count,
        timeout=30,
        what="every text reported delivered",
        details=lambda: f"{provider.callback_results}\n{processes.logs()}",
    )
    time.sleep(2)  # more dispatcher cycles: nothing else may go out

    assert provider.count() == count
    assert provider.attempts > count  # the outage refused some first tries
    assert sorted(m.to for m in provider.messages) == sorted(str(p.phone) for p in patients)
    assert all("Reply STOP" in m.body for m in provider.messages)
    assert set(ReminderDelivery.objects.values_list("status", flat=True)) == {Status.SENT}
    assert set(provider.callback_results) == {204}
    logged = SmsMessage.objects.select_related("delivery")
    assert {m.delivery.patient_id for m in logged} == {p.pk for p in patients}


def test_stop_stops_everything_at_once_even_for_texts_waiting_to_be_retried(
    therapist, smtp, processes: Processes, clean_broker, provider
):
    patients = appointment_texts_due(3, therapist)
    recovered = threading.Event()
    provider.fail = lambda attempt, to: None if recovered.is_set() else (503, 20500, "Down")
    env = processes.env(broker=clean_broker(6), smtp_port=smtp.port, **provider.env)
    processes.worker(env)
    processes.beat(env)
    wait_for(
        lambda: (
            ReminderDelivery.objects.filter(attempts__gte=1, status=Status.PENDING).count() == 3
        ),
        timeout=60,
        what="every reminder tried once and waiting to retry",
        details=processes.logs,
    )

    stopper = patients[0]
    status = provider.inbound(
        provider.site + "/notifications/sms/inbound/", from_=str(stopper.phone), body=" Stop "
    )
    recovered.set()

    assert status == 200
    assert [reply.to for reply in provider.replies] == [str(stopper.phone)]
    assert "no more texts" in provider.replies[0].body
    wait_for(
        lambda: (
            provider.count() >= 2
            and ReminderDelivery.objects.filter(status__in=[Status.SENT, Status.SKIPPED]).count()
            == 3
        ),
        timeout=60,
        what="the other two texts sent and the stopped one skipped",
        details=processes.logs,
    )
    time.sleep(2)
    assert sorted(m.to for m in provider.messages) == sorted(str(p.phone) for p in patients[1:])
    stopped = ReminderDelivery.objects.get(patient=stopper)
    assert stopped.status == Status.SKIPPED
    assert "replied STOP" in stopped.reason


def test_a_report_signed_with_the_wrong_token_is_refused_by_the_live_site(provider):
    from tests.notifications.fake_twilio import signed_post

    status, _ = signed_post(
        provider.site + "/notifications/sms/status/",
        {"MessageSid": "SMx", "MessageStatus": "delivered"},
        token="someone-else",
    )

    assert status == 403
    assert not SmsMessage.objects.exists()


def test_y_and_n_texts_to_the_live_site_confirm_and_cancel(therapist, provider):
    from bookings.models import Appointment

    yes, no = appointment_texts_due(2, therapist)
    inbound = provider.site + "/notifications/sms/inbound/"

    assert provider.inbound(inbound, from_=str(yes.phone), body="Y") == 200
    assert provider.inbound(inbound, from_=str(no.phone), body="n") == 200

    assert Appointment.objects.get(patient=yes).confirmed_at is not None
    assert Appointment.objects.get(patient=no).status == Appointment.Status.CANCELLED
    answers = {reply.to: reply.body for reply in provider.replies}
    assert "is confirmed" in answers[str(yes.phone)]
    assert "is cancelled" in answers[str(no.phone)]
