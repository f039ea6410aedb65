"""Writes for the waitlist: entries, and offering freed slots to the patients waiting.

The booking services call `waitlist_time_freed` explicitly when they free time (a cancelled
or moved appointment, removed leave), inside their own transaction: the offer and its message
(a one-off schedule on the shared reminder pipeline) commit with the change that freed the
slot, or not at all. The reminder dispatcher then sends it by the patient's channel within a
minute, with the pipeline's guarantees (consent, never twice, retries).

Taking an offer is in `bookings.waitlist.accept`; this module never books.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from bookings import schedule, selectors
from bookings.models import Appointment, AppointmentType, Room
from bookings.waitlist import matching
from bookings.waitlist.models import WaitlistEntry, WaitlistOffer
from clinic.models import User
from clinic.sites import Site, default_site_id
from notifications.schedules import reminder_schedule_end, reminder_schedule_ensure

OFFER_SOURCE = "waitlist_offer"
#: A patient needs time to read the message and come in: nearer slots are not offered.
LEAST_NOTICE = dt.timedelta(minutes=30)
#: Removed leave can free weeks: offer at most this many gaps at once.
MAX_GAPS = 40
EXPIRE_BATCH = 100

State = WaitlistOffer.State


def hold() -> dt.timedelta:
    return dt.timedelta(minutes=settings.WAITLIST_OFFER_HOLD_MINUTES)


# --- Entries ---------------------------------------------------------------------------------


def waitlist_entry_add(
    *,
    patient,
    appointment_type: AppointmentType,
    available_from: dt.date,
    by: User | None,
    therapist: User | None = None,
    days: list[int] | None = None,
    periods: list[str] | None = None,
    available_until: dt.date | None = None,
    urgency: str = WaitlistEntry.Urgency.ROUTINE,
    note: str = "",
    site: Site | None = None,
) -> WaitlistEntry:
    """Put the patient on the waitlist (for one site, or any when `site` is None); they wait
    from now."""
    return WaitlistEntry.objects.create(
        patient=patient,
        appointment_type=appointment_type,
        therapist=therapist,
        site=site,
        days=sorted(set(days or [])),
        periods=sorted(set(periods or [])),
        available_from=available_from,
        available_until=available_until,
        urgency=urgency,
        note=note[:200],
        waiting_since=timezone.now(),
        created_by=by,
    )


EDITABLE = (
    "appointment_type",
    "therapist",
    "site",
    "days",
    "periods",
    "available_from",
    "available_until",
    "urgency",
    "note",
)


def waitlist_entry_update(*, entry: WaitlistEntry, by: User | None, **changes) -> WaitlistEntry:
    """Change what suits the patient; their place (waiting since) is kept."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    for name, value in changes.items():
        if name in ("days", "periods"):
            value = sorted(set(value or []))
        setattr(entry, name, value)
    entry._change_reason = f"Edited by {by}" if by else "Edited"
    entry.save()
    return entry


@transaction.atomic
def waitlist_entry_remove(*, entry: WaitlistEntry, by: User | None) -> WaitlistEntry:
    """Take the entry off the list (kept, with its history). An open offer is withdrawn and
    its slot goes to the next patient."""
    entry = WaitlistEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.status != WaitlistEntry.Status.WAITING:
        return entry
    entry.status = WaitlistEntry.Status.REMOVED
    entry._change_reason = f"Removed by {by}" if by else "Removed"
    entry.save(update_fields=["status", "updated_at"])
    for offer in WaitlistOffer.objects.select_for_update().filter(entry=entry, state=State.OFFERED):
        offer_close(offer, State.DECLINED)
        offer_next(offer)
    return entry


# --- Offering --------------------------------------------------------------------------------


def _free_gaps(
    *, therapist_id: int, start: dt.datetime, end: dt.datetime, now: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The therapist's free working time inside [start, end), from LEAST_NOTICE on."""
    start = max(start, now + LEAST_NOTICE)
    if end <= start:
        return []
    zone = selectors.clinic_zone()
    working = selectors.working_intervals_for(
        therapist_ids=[therapist_id],
        first=start.astimezone(zone).date(),
        last=end.astimezone(zone).date(),
    )[therapist_id]
    busy = list(
        Appointment.objects.active()
        .overlapping(start, end)
        .filter(therapist_id=therapist_id)
        .values_list("start", "end")
    )
    inside = [(max(s, start), min(e, end)) for s, e in working if s < end and e > start]
    return schedule.merge(schedule.subtract(inside, busy))[:MAX_GAPS]


def _candidates(
    gap: matching.Gap, skip_entry_ids: set[int], site_id: int | None = None
) -> list[matching.Candidate]:
    """Waiting entries that could suit the gap (therapist, site, length, dates; the rest is
    `matching`'s), without an open offer, whose patient is free then. Two queries."""
    zone = selectors.clinic_zone()
    length = gap.end - gap.start
    rows = list(
        WaitlistEntry.objects.filter(
            Q(therapist__isnull=True) | Q(therapist_id=gap.therapist_id),
            Q(site__isnull=True) | Q(site_id=site_id),
            status=WaitlistEntry.Status.WAITING,
            appointment_type__duration_minutes__lte=length.total_seconds() // 60,
            available_from__lte=gap.end.astimezone(zone).date(),
        )
        .filter(
            Q(available_until__isnull=True)
            | Q(available_until__gte=gap.start.astimezone(zone).date())
        )
        .exclude(pk__in=skip_entry_ids)
        .exclude(offers__state=State.OFFERED)
        .values(
            "pk",
            "patient_id",
            "therapist_id",
            "appointment_type__duration_minutes",
            "days",
            "periods",
            "available_from",
            "available_until",
            "urgency",
            "waiting_since",
        )
    )
    busy_patients = set(
        Appointment.objects.active()
        .overlapping(gap.start, gap.end)
        .filter(patient_id__in={row["patient_id"] for row in rows})
        .values_list("patient_id", flat=True)
    )
    return [
        matching.Candidate(
            entry_id=row["pk"],
            patient_id=row["patient_id"],
            therapist_id=row["therapist_id"],
            length=dt.timedelta(minutes=row["appointment_type__duration_minutes"]),
            days=frozenset(row["days"]),
            periods=frozenset(row["periods"]),
            available_from=row["available_from"],
            available_until=row["available_until"],
            urgency_rank=WaitlistEntry.URGENCY_RANK[row["urgency"]],
            waiting_since=row["waiting_since"],
        )
        for row in rows
        if row["patient_id"] not in busy_patients
    ]


def _offer_gap(
    *,
    therapist_id: int,
    room_id: int | None,
    freed_site_id: int | None,
    gap_start: dt.datetime,
    gap_end: dt.datetime,
    now: dt.datetime,
    skip_entry_ids: set[int],
) -> WaitlistOffer | None:
    """`freed_site_id`: where the freed time was (the cancelled appointment's site), the
    offer's site when no working hours say where the gap is."""
    gap = matching.Gap(therapist_id, gap_start, gap_end)
    # Offered to those waiting for the site whose hours the gap lies in, or for any site.
    place = selectors.site_covering(therapist_id=therapist_id, start=gap_start, end=gap_end)
    site_id = place.pk if place is not None else None
    # Everyone offered this gap before (expired, declined) is passed over.
    skip = skip_entry_ids | set(
        WaitlistOffer.objects.filter(
            therapist_id=therapist_id, slot_start=gap_start, slot_end=gap_end
        ).values_list("entry_id", flat=True)
    )
    matches = matching.ranked(_candidates(gap, skip, site_id), gap, selectors.clinic_zone())
    if not matches:
        return None
    best = matches[0]
    offer = WaitlistOffer.objects.create(
        entry_id=best.candidate.entry_id,
        patient_id=best.candidate.patient_id,
        therapist_id=therapist_id,
        room_id=room_id,
        site_id=site_id or freed_site_id or default_site_id(),
        slot_start=gap_start,
        slot_end=gap_end,
        start=best.start,
        end=best.end,
        expires_at=min(now + hold(), best.start),
    )
    reminder_schedule_ensure(
        source=OFFER_SOURCE, subject_id=offer.pk, patient=offer.patient, once_at=now
    )
    return offer


def waitlist_time_freed(
    *,
    therapist: User,
    start: dt.datetime,
    end: dt.datetime,
    room: Room | None = None,
    site_id: int | None = None,
    now: dt.datetime | None = None,
) -> list[WaitlistOffer]:
    """Time in [start, end) came free: offer each free gap in it to the first suitable
    patient on the waitlist. Call inside the transaction that freed it. Each offer is at the
    site whose hours hold the gap, else at `site_id` (the freed appointment's), else the
    room's. Returns the offers made (none when nobody suits, the slot is too near, or it was
    never working time)."""
    now = now or timezone.now()
    offers: list[WaitlistOffer] = []
    offered: set[int] = set()
    if not WaitlistEntry.objects.filter(status=WaitlistEntry.Status.WAITING).exists():
        return offers  # the usual case: one query, nothing to offer
    for gap_start, gap_end in _free_gaps(therapist_id=therapist.pk, start=start, end=end, now=now):
        offer = _offer_gap(
            therapist_id=therapist.pk,
            room_id=room.pk if room is not None else None,
            freed_site_id=site_id or (room.site_id if room is not None else None),
            gap_start=gap_start,
            gap_end=gap_end,
            now=now,
            skip_entry_ids=offered,
        )
        if offer is not None:
            offers.append(offer)
            offered.add(offer.entry_id)
    return offers


def offer_close(offer: WaitlistOffer, state: str, now: dt.datetime | None = None) -> None:
    """Record the offer's answer (call with the offer locked); an unsent message is dropped."""
    offer.state = state
    offer.answered_at = now or timezone.now()
    offer._change_reason = WaitlistOffer.State(state).label
    offer.save(update_fields=["state", "answered_at", "appointment", "updated_at"])
    reminder_schedule_end(source=OFFER_SOURCE, subject_id=offer.pk)


def offer_next(offer: WaitlistOffer, now: dt.datetime | None = None) -> WaitlistOffer | None:
    """The same gap to the next patient in line, if it is still free."""
    now = now or timezone.now()
    for gap_start, gap_end in _free_gaps(
        therapist_id=offer.therapist_id, start=offer.slot_start, end=offer.slot_end, now=now
    ):
        if gap_start <= offer.start and offer.end <= gap_end:
            return _offer_gap(
                therapist_id=offer.therapist_id,
                room_id=offer.room_id,
                freed_site_id=offer.site_id,
                gap_start=offer.slot_start,
                gap_end=offer.slot_end,
                now=now,
                skip_entry_ids=set(),
            )
    return None


@transaction.atomic
def waitlist_offer_decline(*, offer: WaitlistOffer) -> WaitlistOffer:
    """The patient says no: the slot goes to the next patient at once. Safe to repeat."""
    offer = WaitlistOffer.objects.select_for_update().get(pk=offer.pk)
    if offer.state == State.OFFERED:
        offer_close(offer, State.DECLINED)
        offer_next(offer)
    return offer


def waitlist_offers_expire(*, now: dt.datetime | None = None) -> int:
    """Close every offer whose hold has run out and offer its slot to the next patient.

    Run by beat every minute; safe to run twice or concurrently: each offer is locked (others
    skip it) and only an open one changes.
    """
    now = now or timezone.now()
    expired = 0
    while True:
        with transaction.atomic():
            batch = list(
                WaitlistOffer.objects.select_for_update(skip_locked=True)
                .filter(state=State.OFFERED, expires_at__lte=now)
                .order_by("expires_at", "id")[:EXPIRE_BATCH]
            )
            for offer in batch:
                offer_close(offer, State.EXPIRED, now)
                offer_next(offer, now)
        expired += len(batch)
        if len(batch) < EXPIRE_BATCH:
            return expired


def waitlist_offers_gone(*, therapist_id: int, start: dt.datetime, end: dt.datetime) -> int:
    """Open offers of time that has just been booked: closed as gone (their patients are told
    on the offer page). Call inside the booking's transaction."""
    gone = list(
        WaitlistOffer.objects.select_for_update()
        .filter(state=State.OFFERED, therapist_id=therapist_id, start__lt=end, end__gt=start)
        .order_by("id")
    )
    for offer in gone:
        offer_close(offer, State.GONE)
    return len(gone)
