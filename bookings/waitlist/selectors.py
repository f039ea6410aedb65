"""Reads for the waitlist. Staff see every entry; a patient only their own (else 404)."""

from __future__ import annotations

from uuid import UUID

from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.http import Http404

from bookings.waitlist.models import WaitlistEntry, WaitlistOffer
from clinic import audit
from clinic.access import STAFF, has_role
from clinic.sites import Site

URGENCY_RANK = {str(key): value for key, value in WaitlistEntry.URGENCY_RANK.items()}


def _offers_prefetch() -> Prefetch:
    return Prefetch(
        "offers",
        queryset=WaitlistOffer.objects.select_related("therapist", "site").order_by(
            "-created_at", "-id"
        ),
    )


def waitlist_entries(
    *, status: str | None = WaitlistEntry.Status.WAITING, site: Site | None = None
) -> QuerySet:
    """Entries for reception, most urgent first, then longest waiting; each with its offers.
    With a `site`, those waiting for it or for any site. Two queries whatever the number of
    entries and offers."""
    entries = WaitlistEntry.objects.select_related(
        "patient", "therapist", "appointment_type", "site"
    )
    if status:
        entries = entries.filter(status=status)
    if site is not None:
        entries = entries.filter(Q(site=site) | Q(site__isnull=True))
    rank = Case(
        *(When(urgency=urgency, then=Value(value)) for urgency, value in URGENCY_RANK.items()),
        output_field=IntegerField(),
    )
    return (
        entries.annotate(urgency_order=rank)
        .prefetch_related(_offers_prefetch())
        .order_by("-urgency_order", "waiting_since", "id")
    )


def waitlist_entry_for_staff(*, user, public_id: UUID | str) -> WaitlistEntry:
    if not has_role(user, STAFF):
        raise Http404("No such entry")
    try:
        entry = WaitlistEntry.objects.select_related("patient", "appointment_type").get(
            public_id=public_id
        )
    except (WaitlistEntry.DoesNotExist, ValueError):
        raise Http404("No such entry") from None
    audit.note_patient(entry.patient, entry)
    return entry


def waitlist_entries_for_patient(*, patient) -> list[WaitlistEntry]:
    """The patient's current entries with their offers: two queries."""
    return list(
        WaitlistEntry.objects.filter(patient=patient, status=WaitlistEntry.Status.WAITING)
        .select_related("therapist", "appointment_type")
        .prefetch_related(_offers_prefetch())
        .order_by("waiting_since", "id")
    )


def waitlist_entry_for_patient(*, patient, public_id: UUID | str) -> WaitlistEntry:
    try:
        return WaitlistEntry.objects.get(patient=patient, public_id=public_id)
    except (WaitlistEntry.DoesNotExist, ValueError):
        raise Http404("No such entry") from None


def waitlist_offers_open_for_patient(*, patient) -> list[WaitlistOffer]:
    return list(
        WaitlistOffer.objects.filter(patient=patient, state=WaitlistOffer.State.OFFERED)
        .select_related("therapist")
        .order_by("start")
    )


def waitlist_offer_by_token(*, token: str, user) -> WaitlistOffer:
    """The offer the link names. Whoever holds the link may answer it, signed in or not (it
    went only to the patient); a signed-in user who is not that patient gets 404."""
    try:
        offer = WaitlistOffer.objects.select_related(
            "patient", "therapist", "room", "entry__appointment_type"
        ).get(token=token)
    except WaitlistOffer.DoesNotExist:
        raise Http404("No such offer") from None
    if user.is_authenticated and offer.patient.user_id != user.pk:
        raise Http404("No such offer")
    audit.note_patient(offer.patient, offer)
    return offer
