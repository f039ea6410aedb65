"""A freed slot goes to the first suitable patient on the waitlist, and moves on when unanswered."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail

from bookings import schedule_services, services
from bookings.models import Appointment, ScheduleException, WaitlistEntry, WaitlistOffer
from bookings.waitlist import accept, offers
from clinic.models import AuditEvent
from notifications.dispatch import reminders_dispatch
from notifications.models import ReminderDelivery
from tests.bookings.factories import at, give_hours
from tests.bookings.waitlist_helpers import NOW, TUESDAY, book, join, waiting_patient

pytestmark = pytest.mark.django_db
State = WaitlistOffer.State


@pytest.fixture(autouse=True)
def monday():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def clinic(therapist):
    give_hours(therapist)
    return therapist


def test_it_offers_a_cancelled_slot_to_the_most_urgent_suitable_patient(clinic):
    routine = join(waiting_patient())
    urgent = join(waiting_patient(), urgency="urgent")
    join(waiting_patient(), urgency="urgent", periods=["afternoon"])  # mornings do not suit
    appointment = book(clinic, at(TUESDAY, "10:00"))

    services.appointment_cancel(appointment=appointment, by=None, reason="Unwell")

    [offer] = WaitlistOffer.objects.all()
    assert offer.entry == urgent
    assert offer.state == State.OFFERED
    assert (offer.start, offer.end) == (at(TUESDAY, "10:00"), at(TUESDAY, "10:30"))
    assert offer.expires_at == NOW + dt.timedelta(minutes=30)
    assert routine.offers.count() == 0


def test_it_holds_an_offer_for_the_configured_time(clinic, settings):
    settings.WAITLIST_OFFER_HOLD_MINUTES = 90
    join(waiting_patient())
    services.appointment_cancel(appointment=book(clinic, at(TUESDAY, "10:00")), by=None, reason="")
    assert WaitlistOffer.objects.get().expires_at == NOW + dt.timedelta(minutes=90)


def test_it_offers_the_old_time_of_a_moved_appointment(clinic):
    entry = join(waiting_patient())
    appointment = book(clinic, at(TUESDAY, "10:00"))
    services.appointment_move(appointment=appointment, start=at(TUESDAY, "15:00"), by=None)
    offer = WaitlistOffer.objects.get()
    assert (offer.entry, offer.start) == (entry, at(TUESDAY, "10:00"))


def test_it_offers_working_time_freed_by_removed_leave(clinic):
    entry = join(waiting_patient(), days=[1], periods=["afternoon"])
    leave, _ = schedule_services.schedule_exception_add(
        therapist=clinic,
        kind=ScheduleException.Kind.LEAVE,
        start=at(TUESDAY, "00:00"),
        end=at(TUESDAY, "23:59"),
    )
    # Booked over the leave on purpose: stays busy.
    book(clinic, at(TUESDAY, "12:00"), allow_outside_hours=True)
    schedule_services.schedule_exception_remove(exception=leave)
    offer = WaitlistOffer.objects.get()
    assert (offer.entry, offer.start) == (entry, at(TUESDAY, "12:30"))


def test_it_offers_nothing_when_nobody_suits(clinic, other_therapist):
    join(waiting_patient(), therapist=other_therapist)
    join(waiting_patient(), available_until=NOW.date())
    services.appointment_cancel(appointment=book(clinic, at(TUESDAY, "10:00")), by=None, reason="")
    assert not WaitlistOffer.objects.exists()


def test_it_passes_over_a_patient_already_booked_at_that_time(clinic, other_therapist):
    give_hours(other_therapist)
    busy = waiting_patient()
    join(busy, urgency="urgent")
    free = join(waiting_patient())
    book(other_therapist, at(TUESDAY, "10:00"), patient=busy)
    services.appointment_cancel(appointment=book(clinic, at(TUESDAY, "10:00")), by=None, reason="")
    assert WaitlistOffer.objects.get().entry == free


def test_it_does_not_offer_a_slot_too_soon_to_reach(clinic):
    join(waiting_patient())
    appointment = book(clinic, NOW + dt.timedelta(minutes=15))
    services.appointment_cancel(appointment=appointment, by=None, reason="")
    assert not WaitlistOffer.objects.exists()


def test_it_sends_the_offer_by_the_patients_channel_through_the_reminder_pipeline(clinic):
    by_email = waiting_patient(first_name="Robin", preferred_contact="email")
    join(by_email, urgency="urgent")
    services.appointment_cancel(appointment=book(clinic, at(TUESDAY, "10:00")), by=None, reason="")
    offer = WaitlistOffer.objects.get()

    mail.outbox.clear()
    assert reminders_dispatch(now=NOW).sent == 1
    assert reminders_dispatch(now=NOW + dt.timedelta(minutes=1)).created == 0  # never twice
    [email] = mail.outbox
    assert email.to == [by_email.email]
    assert "Tuesday 24 March at 10:00" in email.body
    assert f"/portal/waitlist/offers/{offer.token}/" in email.body


def test_it_uses_a_text_message_for_a_patient_who_prefers_one(clinic):
    join(waiting_patient(preferred_contact="sms"))
    services.appointment_cancel(appointment=book(clinic, at(TUESDAY, "10:00")), by=None, reason="")
    reminders_dispatch(now=NOW)
    assert ReminderDelivery.objects.get().channel == "sms"


def test_it_does_not_send_an_offer_that_was_answered_before_its_message_went(clinic):
    join(waiting_patient())
    services.appointment_cancel(appointment=book(clinic, at(TUESDAY, "10:00")), by=None, reason="")
    offers.waitlist_offer_decline(offer=WaitlistOffer.objects.get())
    mail.outbox.clear()
    reminders_dispatch(now=NOW)
    assert mail.outbox == []


def test_it_moves_an_expired_offer_on_to_the_next_patient_once(clinic):
    first = join(waiting_patient(), urgency="urgent")
    second = join(waiting_patient())
    services.appointment_cancel(appointment=book(clinic, at(TUESDAY, "10:00")), by=None, reason="")
    later = NOW + dt.timedelta(minutes=31)

    assert offers.waitlist_offers_expire(now=NOW + dt.timedelta(minutes=29)) == 0
    assert offers.waitlist_offers_expire(now=later) == 1
    assert offers.waitlist_offers_expire(now=later) == 0  # a second run changes nothing

    states = dict(WaitlistOffer.objects.values_list("entry_id", "state"))
    assert states == {first.pk: State.EXPIRED, second.pk: State.OFFERED}
    first.refresh_from_db()
    assert first.status == WaitlistEntry.Status.WAITING  # still on the list for the next slot


def test_it_stops_when_everyone_suitable_has_been_asked(clinic):
    join(waiting_patient())
    services.appointment_cancel(appointment=book(clinic, at(TUESDAY, "10:00")), by=None, reason="")
    offers.waitlist_offers_expire(now=NOW + dt.timedelta(hours=1))
    assert list(WaitlistOffer.objects.values_list("state", flat=True)) == [State.EXPIRED]


def test_it_offers_the_next_patient_at_once_when_one_declines(clinic):
    join(waiting_patient(), urgency="urgent")
    second = join(waiting_patient())
    services.appointment_cancel(appointment=book(clinic, at(TUESDAY, "10:00")), by=None, reason="")
    offers.waitlist_offer_decline(offer=WaitlistOffer.objects.get())
    assert WaitlistOffer.objects.get(state=State.OFFERED).entry == second


def test_it_books_an_accepted_offer_and_takes_the_patient_off_the_list(clinic):
    entry = join(waiting_patient())
    services.appointment_cancel(appointment=book(clinic, at(TUESDAY, "10:00")), by=None, reason="")
    result = accept.waitlist_offer_accept(offer=WaitlistOffer.objects.get())

    assert result.booked
    assert result.state == State.ACCEPTED
    appointment = Appointment.objects.get(patient=entry.patient)
    assert (appointment.start, appointment.status) == (at(TUESDAY, "10:00"), "booked")
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.BOOKED
    again = accept.waitlist_offer_accept(offer=WaitlistOffer.objects.get())
    assert not again.booked
    assert again.appointment == appointment


def test_it_tells_a_patient_the_slot_has_gone_when_reception_booked_it_first(clinic):
    join(waiting_patient())
    services.appointment_cancel(appointment=book(clinic, at(TUESDAY, "10:00")), by=None, reason="")
    book(clinic, at(TUESDAY, "10:00"))
    result = accept.waitlist_offer_accept(offer=WaitlistOffer.objects.get())
    assert result.state == State.GONE
    assert not result.booked
    assert Appointment.objects.active().filter(start=at(TUESDAY, "10:00")).count() == 1


def test_it_refuses_an_offer_accepted_after_its_hold(clinic):
    join(waiting_patient(), urgency="urgent")
    nxt = join(waiting_patient())
    services.appointment_cancel(appointment=book(clinic, at(TUESDAY, "10:00")), by=None, reason="")
    late = NOW + dt.timedelta(minutes=45)
    result = accept.waitlist_offer_accept(offer=WaitlistOffer.objects.get(), now=late)
    assert result.state == State.EXPIRED
    assert not result.booked
    assert WaitlistOffer.objects.get(state=State.OFFERED).entry == nxt


def test_it_withdraws_the_offer_of_an_entry_reception_removes(clinic, reception):
    entry = join(waiting_patient(), urgency="urgent")
    nxt = join(waiting_patient())
    services.appointment_cancel(appointment=book(clinic, at(TUESDAY, "10:00")), by=None, reason="")
    offers.waitlist_entry_remove(entry=entry, by=reception)
    entry.refresh_from_db()
    assert entry.status == WaitlistEntry.Status.REMOVED  # kept, never deleted
    assert entry.history.count() == 2
    assert WaitlistOffer.objects.get(state=State.OFFERED).entry == nxt


def test_it_audits_each_offer_and_its_answer(clinic):
    entry = join(waiting_patient())
    services.appointment_cancel(appointment=book(clinic, at(TUESDAY, "10:00")), by=None, reason="")
    offer = WaitlistOffer.objects.get()
    accept.waitlist_offer_accept(offer=offer)
    events = AuditEvent.objects.filter(
        patient=entry.patient, object_type="bookings.waitlistoffer"
    ).values_list("action", flat=True)
    assert sorted(events) == ["create", "update"]
    assert [h.state for h in offer.history.order_by("history_id")] == ["offered", "accepted"]
