"""Taking a waitlist offer: the one write that books, through `bookings.services`.

Many patients may hold offers of the same time (a gap offered again after an expiry, two gaps
that overlap) and one patient may press twice. The therapist's row is locked first, as every
booking does, so accepts of one therapist's time queue up; the booking service's checks and
the database's exclusion constraints decide, and whoever comes second is told the slot has
gone. Locks are always taken therapist first, then offers, so accepts cannot deadlock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from bookings import services as booking_services
from bookings.models import Appointment
from bookings.waitlist import offers
from bookings.waitlist.models import WaitlistEntry, WaitlistOffer
from clinic.models import User

State = WaitlistOffer.State


@dataclass(frozen=True)
class AcceptResult:
    """`state` is the offer's state afterwards; `booked` only for the call that booked."""

    state: str
    appointment: Appointment | None = None
    booked: bool = False


@transaction.atomic
def waitlist_offer_accept(
    *, offer: WaitlistOffer, by: User | None = None, now: dt.datetime | None = None
) -> AcceptResult:
    """Book the offered appointment if the offer is open, in time and the slot still free.

    Otherwise nothing is booked and the result says why (expired, gone, declined, or already
    accepted: a second press is harmless). An expired offer found here moves on at once.
    """
    now = now or timezone.now()
    User.objects.select_for_update().filter(pk=offer.therapist_id).first()
    offer = (
        WaitlistOffer.objects.select_for_update(of=("self",))
        .select_related("entry__appointment_type", "patient", "therapist", "room", "site")
        .get(pk=offer.pk)
    )
    if offer.state != State.OFFERED:
        return AcceptResult(offer.state, offer.appointment)
    if offer.expires_at <= now:
        offers.offer_close(offer, State.EXPIRED, now)
        offers.offer_next(offer, now)
        return AcceptResult(State.EXPIRED)
    try:
        appointment = booking_services.appointment_book(
            patient=offer.patient,
            therapist=offer.therapist,
            appointment_type=offer.entry.appointment_type,
            start=offer.start,
            room=offer.room,
            site=offer.site,
            by=by,
            notes="Booked from the waitlist.",
        )
    except booking_services.BookingConflictError:
        offers.offer_close(offer, State.GONE, now)
        return AcceptResult(State.GONE)
    offer.appointment = appointment
    offers.offer_close(offer, State.ACCEPTED, now)
    entry = offer.entry
    entry.status = WaitlistEntry.Status.BOOKED
    entry._change_reason = "Took a freed slot"
    entry.save(update_fields=["status", "updated_at"])
    offers.waitlist_offers_gone(
        therapist_id=offer.therapist_id, start=appointment.start, end=appointment.end
    )
    return AcceptResult(State.ACCEPTED, appointment, booked=True)
