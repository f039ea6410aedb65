"""Twenty patients press "Take this appointment" for the same freed slot at the same moment."""

from __future__ import annotations

import threading

import pytest
import time_machine
from django.db import connections

from bookings import services
from bookings.models import Appointment, WaitlistOffer
from bookings.waitlist import accept
from tests.bookings.factories import at, give_hours
from tests.bookings.marks import requires_postgresql
from tests.bookings.waitlist_helpers import NOW, TUESDAY, book, join, waiting_patient

pytestmark = [pytest.mark.django_db(transaction=True), requires_postgresql]

ATTEMPTS = 20
State = WaitlistOffer.State


def _race(offers: list[WaitlistOffer]) -> list[str]:
    """Accept every offer in its own thread and connection, all released together."""
    barrier = threading.Barrier(len(offers))
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt(offer):
        try:
            with time_machine.travel(NOW, tick=False):
                barrier.wait(timeout=30)
                try:
                    outcome = accept.waitlist_offer_accept(offer=offer).state
                except Exception as exc:  # any other exception fails the test
                    outcome = f"error: {exc!r}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=attempt, args=(offer,)) for offer in offers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.fixture
def offered(therapist):
    """Twenty open offers of the same 10:00 slot, to twenty patients (as when a slot was
    offered again after expiries, or gaps overlap)."""
    give_hours(therapist)
    with time_machine.travel(NOW, tick=False):
        entries = [join(waiting_patient()) for _ in range(ATTEMPTS)]
        services.appointment_cancel(
            appointment=book(therapist, at(TUESDAY, "10:00")), by=None, reason=""
        )
        first = WaitlistOffer.objects.get()
        for entry in entries[1:]:
            WaitlistOffer.objects.create(
                entry=entry,
                patient=entry.patient,
                therapist=therapist,
                slot_start=first.slot_start,
                slot_end=first.slot_end,
                start=first.start,
                end=first.end,
                expires_at=first.expires_at,
            )
    return list(WaitlistOffer.objects.all())


def test_it_books_exactly_one_of_twenty_simultaneous_accepts(offered, therapist):
    outcomes = _race(offered)

    assert sorted(outcomes) == [State.ACCEPTED] + [State.GONE] * (ATTEMPTS - 1)
    [booked] = Appointment.objects.active().filter(therapist=therapist)
    assert booked.start == at(TUESDAY, "10:00")
    winner = WaitlistOffer.objects.get(state=State.ACCEPTED)
    assert winner.appointment == booked
    assert booked.patient == winner.patient
    assert WaitlistOffer.objects.filter(state=State.GONE).count() == ATTEMPTS - 1


def test_it_books_once_when_one_offer_is_accepted_twenty_times_at_once(offered, therapist):
    one = offered[0]
    outcomes = _race([one] * ATTEMPTS)

    assert set(outcomes) == {State.ACCEPTED}
    assert Appointment.objects.active().filter(therapist=therapist).count() == 1
