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


def test_n_texts_across_an_outage_with_back_off_and_a_worker_killed_in_the_worst_moment(
    therapist, smtp, processes: Processes, clean_broker, provider
):
    """The provider refuses every text twice (503), then takes them; the worker dies the moment
    the provider has accepted the 3rd one, before it hears "201" or writes anything down. The
    handover (recorded before the request) tells the next worker not to send that one again."""
    count = 6
    refusals = 2 * count
    patients = appointment_texts_due(count, therapist)
    killed = {}

    def kill_in_the_worst_moment(accepted: int) -> None:
        if accepted == 3 and not killed:
            processes.kill(first)
            # Marked only once the worker is gone: the test thread checks it at once.
            killed["at"] = time.monotonic()

    provider.fail = lambda attempt, to: (503, 20500, "Down") if attempt <= refusals else None
    provider.on_accept = kill_in_the_worst_moment
    env = processes.env(broker=clean_broker(7), smtp_port=smtp.port, **provider.env)
    # One process, so the moment of the kill is exactly known.
    first = processes.worker(env, pool="solo", concurrency=1)
    processes.beat(env)
    wait_for(lambda: bool(killed), timeout=40, what="the 3rd text", details=processes.logs)
    assert first.poll() is not None
    processes.worker(env, concurrency=2)

    wait_for(
        lambda: (
            ReminderDelivery.objects.filter(status=Status.SENT).count() == count
            and SmsMessage.objects.filter(status="delivered").count() >= count
        ),
        timeout=40,
        what="every reminder sent and every text reported delivered",
        details=lambda: f"{provider.callback_results}\n{processes.logs()}",
    )
    time.sleep(4)  # longer than the claim timeout: any re-send would have happened

    assert provider.count() == count
    assert sorted(m.to for m in provider.messages) == sorted(str(p.phone) for p in patients)
    assert provider.attempts == refusals + count
    for patient in patients:
        # Back-off: 1 s, then 2 s (less the moments spent on the batch's earlier texts).
        first_wait, second_wait = provider.gaps(str(patient.phone))[:2]
        assert first_wait >= 0.5
        assert second_wait >= 1.5
    unconfirmed = ReminderDelivery.objects.filter(last_error__startswith="Not confirmed")
    assert unconfirmed.count() == 1
    assert unconfirmed.get().patient.phone == provider.messages[2].to
    # The provider's report is the only news of the killed worker's text: it is logged too.
    logged = SmsMessage.objects.values_list("delivery__patient_id", flat=True)
    assert sorted(logged) == sorted(p.pk for p in patients)


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


def test_stop_in_the_middle_of_a_batch_stops_the_texts_that_batch_has_not_sent_yet(
    therapist, smtp, processes: Processes, clean_broker, provider
):
    """The batch was checked (consent and all) before its first text; a STOP that arrives while
    it is going out still stops the stopper's text, and a reminder due after it."""
    patients = appointment_texts_due(4, therapist)
    stopped = {}

    def stop_after_the_first_text(accepted: int) -> None:
        if accepted == 1:
            first_to = provider.messages[0].to
            stopper = next(p for p in patients if str(p.phone) != first_to)
            status = provider.inbound(
                provider.site + "/notifications/sms/inbound/", from_=str(stopper.phone), body="STOP"
            )
            stopped.update(patient=stopper, status=status)  # after the site has answered

    provider.on_accept = stop_after_the_first_text
    env = processes.env(broker=clean_broker(8), smtp_port=smtp.port, **provider.env)
    processes.worker(env, pool="solo", concurrency=1)
    processes.beat(env)
    wait_for(
        lambda: (
            ReminderDelivery.objects.filter(status__in=[Status.SENT, Status.SKIPPED]).count() == 4
        ),
        timeout=40,
        what="three texts sent and the stopped one skipped",
        details=processes.logs,
    )
    stopper = stopped["patient"]
    assert stopped["status"] == 200
    assert str(stopper.phone) not in [m.to for m in provider.messages]
    assert ReminderDelivery.objects.get(patient=stopper).status == Status.SKIPPED

    # Another appointment's reminder falls due after the STOP: it is never sent either.
    later = appointment_book(
        patient=stopper,
        therapist=therapist,
        appointment_type=follow_up(),
        start=(timezone.now() + dt.timedelta(days=5)).replace(minute=0, second=0, microsecond=0),
        by=therapist,
        allow_outside_hours=True,
    )
    ReminderSchedule.objects.filter(source="appointment", subject_id=later.pk).update(
        next_due_at=timezone.now() - dt.timedelta(seconds=1)
    )
    wait_for(
        lambda: ReminderDelivery.objects.filter(patient=stopper).count() == 2,
        timeout=20,
        what="the later reminder judged",
        details=processes.logs,
    )
    time.sleep(2)  # more dispatcher cycles: nothing else may go out
    assert provider.count() == 3
    assert str(stopper.phone) not in [m.to for m in provider.messages]
    assert set(
        ReminderDelivery.objects.filter(patient=stopper).values_list("status", flat=True)
    ) == {Status.SKIPPED}


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
