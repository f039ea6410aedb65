"""A waitlist offer keeps its own site (issue 19's closing note, item 5): an appointment
cancelled at the York site, with no room, is offered to the next patient as a York
appointment, and the offer's text names York."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bookings import services
from bookings.waitlist import accept
from bookings.waitlist.models import WaitlistOffer
from bookings.waitlist.reminders import WaitlistOffers
from notifications.sources import Compose
from tests.bookings.factories import at
from tests.bookings.waitlist_helpers import NOW, book, join, waiting_patient
from tests.clinic.site_factories import hours_at, make_site

pytestmark = pytest.mark.django_db

TUESDAY = 1


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def york(db):
    return make_site("Apex York")


def test_a_roomless_slot_freed_at_york_is_offered_as_york(client, reception, therapist, york):
    hours_at(york, therapist, weekdays=[TUESDAY])
    freed = book(therapist, at("2026-03-24", "10:00"))
    waiting = waiting_patient(first_name="Wren")
    join(waiting)
    client.force_login(reception)

    client.post(reverse("bookings:cancel", args=[freed.public_id]), {"reason": "Unwell"})

    offer = WaitlistOffer.objects.get(patient=waiting)
    assert offer.room is None
    assert offer.site == york
    [content] = WaitlistOffers().compose_many([Compose(offer.pk, timezone.localdate(), "Wren")])
    assert "at Apex York" in content.sms
    assert ("Where", "Apex York, 1 Apex York Road") in content.items
    waitlist = client.get(reverse("bookings:waitlist")).content.decode()
    assert "with Tess at Apex York:" in " ".join(waitlist.split())
    link = reverse("portal:waitlist:offer", args=[offer.token])
    page = Client().get(link).content.decode()  # the patient, from the text's link
    assert "Apex York, 1 Apex York Road" in " ".join(page.split())


def test_taking_the_offer_books_it_at_york(therapist, york):
    hours_at(york, therapist, weekdays=[TUESDAY])
    freed = book(therapist, at("2026-03-24", "10:00"))
    waiting = waiting_patient()
    join(waiting)
    services.appointment_cancel(appointment=freed, by=None, reason="Unwell")
    offer = WaitlistOffer.objects.get(patient=waiting)

    result = accept.waitlist_offer_accept(offer=offer, by=None)

    assert result.appointment.site == york
