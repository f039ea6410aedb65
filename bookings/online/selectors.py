"""Reads for online booking: the clinic's limits, who may book, and the slots offered.

Slots come from `bookings.selectors.free_slots` (the one free-slot finder); this module only
narrows them to what the clinic allows online and to a week of the patient's own days, and
leaves out time held for a waitlist offer to someone else.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from uuid import UUID
from zoneinfo import ZoneInfo

from django.db.models import Exists, OuterRef, QuerySet

from bookings import selectors as booking_selectors
from bookings.models import Appointment, AppointmentType, OnlineBookingSettings
from bookings.online import rules
from bookings.waitlist.models import WaitlistOffer
from clinic.models import User
from clinic.sites import Site, sites_active
from patients.models import Episode, Patient


def online_settings() -> OnlineBookingSettings:
    return OnlineBookingSettings.load()


def limits() -> rules.Limits:
    """The clinic's minimum notice and horizon. One query."""
    found = online_settings()
    return rules.Limits(minimum_notice=found.minimum_notice, horizon_days=found.horizon_days)


def patient_zone(patient: Patient) -> ZoneInfo:
    return ZoneInfo(patient.time_zone)


def patient_standing(*, patient: Patient) -> rules.Standing:
    """Whether the patient has treatment under way, has been assessed and has an open
    red-flag referral. One query."""
    from assessments.models import Assessment
    from assessments.selectors import open_red_flag_referrals

    row = (
        Patient.objects.filter(pk=patient.pk)
        .annotate(
            open_episode=Exists(
                Episode.objects.filter(patient=OuterRef("pk"), status=Episode.Status.OPEN)
            ),
            assessed=Exists(
                Assessment.objects.filter(
                    episode__patient=OuterRef("pk"), status=Assessment.Status.FINAL
                )
            ),
            attended=Exists(
                Appointment.objects.filter(
                    patient=OuterRef("pk"),
                    status__in=[Appointment.Status.ARRIVED, Appointment.Status.COMPLETED],
                )
            ),
            urgent=Exists(open_red_flag_referrals().filter(episode__patient=OuterRef("pk"))),
        )
        .values("open_episode", "assessed", "attended", "urgent")
        .get()
    )
    return rules.Standing(
        has_open_episode=row["open_episode"],
        has_been_assessed=row["assessed"] or row["attended"],
        urgent_referral_open=row["urgent"],
    )


def site_choices() -> list[Site]:
    """The sites a patient may choose between (a chooser shows when there are two). One query."""
    return sites_active()


def online_types() -> QuerySet[AppointmentType]:
    """Appointment types patients may book online."""
    return booking_selectors.appointment_types().filter(bookable_online=True)


def online_type(*, public_id: UUID | str | None) -> AppointmentType | None:
    """An online-bookable type by its public id; None for anything else. One query."""
    try:
        return online_types().get(public_id=public_id)
    except (AppointmentType.DoesNotExist, ValueError, TypeError):
        return None


def own_therapist(*, patient: Patient) -> User | None:
    """The therapist of the patient's latest appointment that took place or is booked."""
    latest = (
        Appointment.objects.active()
        .filter(patient=patient)
        .select_related("therapist")
        .order_by("-start")
        .first()
    )
    return latest.therapist if latest is not None else None


def therapist_choices(*, patient: Patient) -> tuple[list[User], User | None]:
    """Everyone who sees patients, the patient's own therapist first, and that therapist
    (None when they have none, or theirs no longer sees patients). Two queries."""
    own = own_therapist(patient=patient)
    people = list(booking_selectors.therapists())
    if own is None or own not in people:
        return people, None
    people.remove(own)
    return [own, *people], own


def _held_for_others(
    *, patient: Patient, therapist_ids: list[int], start: dt.datetime, end: dt.datetime, now
) -> list[tuple[int, dt.datetime, dt.datetime]]:
    """Time held for an open waitlist offer to another patient (the offer promises it to
    them until it is answered or expires). One query."""
    return list(
        WaitlistOffer.objects.filter(
            state=WaitlistOffer.State.OFFERED,
            expires_at__gt=now,
            therapist_id__in=therapist_ids,
            start__lt=end,
            end__gt=start,
        )
        .exclude(patient=patient)
        .values_list("therapist_id", "start", "end")
    )


def _bookable(
    *,
    patient: Patient,
    appointment_type: AppointmentType,
    therapist: User | None,
    start: dt.datetime,
    end: dt.datetime,
    now: dt.datetime,
    site: Site | None = None,
) -> list[booking_selectors.FreeSlot]:
    """Free starts in [start, end), held time left out, one per start time (the first
    therapist in the free-slot finder's order when anyone will do)."""
    if end <= start:
        return []
    zone = booking_selectors.clinic_zone()
    days = (end.astimezone(zone).date() - start.astimezone(zone).date()).days + 1
    found = [
        slot
        for slot in booking_selectors.free_slots(
            appointment_type=appointment_type,
            therapist=therapist,
            patient=patient,
            not_before=start,
            days=days,
            site=site,
        )
        if slot.start < end
    ]
    if not found:
        return found
    held = _held_for_others(
        patient=patient,
        therapist_ids=sorted({slot.therapist.pk for slot in found}),
        start=start,
        end=max(slot.end for slot in found),
        now=now,
    )
    seen: set[dt.datetime] = set()
    kept = []
    for slot in found:
        if slot.start in seen:
            continue
        if any(who == slot.therapist.pk and s < slot.end and slot.start < e for who, s, e in held):
            continue
        seen.add(slot.start)
        kept.append(slot)
    return kept


@dataclass(frozen=True)
class Day:
    day: dt.date
    slots: list[booking_selectors.FreeSlot]


def slots_for_week(
    *,
    patient: Patient,
    appointment_type: AppointmentType,
    therapist: User | None,
    week: rules.Week,
    now: dt.datetime,
    limits: rules.Limits,
    site: Site | None = None,
) -> list[Day]:
    """The bookable slots of one week page, grouped by the patient's local day. Five queries
    at most whatever the number of slots: therapists (when anyone will do), working hours,
    schedule exceptions, busy appointments, and waitlist holds."""
    zone = patient_zone(patient)
    start = max(week.start, limits.earliest(now))
    end = min(week.end, limits.latest(now, zone))
    days: dict[dt.date, list[booking_selectors.FreeSlot]] = {}
    for slot in _bookable(
        patient=patient,
        appointment_type=appointment_type,
        therapist=therapist,
        start=start,
        end=end,
        now=now,
        site=site,
    ):
        days.setdefault(slot.start.astimezone(zone).date(), []).append(slot)
    return [Day(day, slots) for day, slots in days.items()]


def slot_on_offer(
    *,
    patient: Patient,
    appointment_type: AppointmentType,
    therapist: User,
    start: dt.datetime,
    now: dt.datetime,
) -> bool:
    """Whether `start` with `therapist` is a slot the list would offer the patient now (free,
    inside working hours, on the 15-minute grid, not held for someone else)."""
    slots = _bookable(
        patient=patient,
        appointment_type=appointment_type,
        therapist=therapist,
        start=start,
        end=start + dt.timedelta(minutes=1),
        now=now,
    )
    return any(slot.start == start for slot in slots)


def therapist_for_booking(*, public_id: UUID | str | None) -> User | None:
    """A therapist patients may book with, by public id; None for anything else."""
    try:
        return booking_selectors.therapists().get(public_id=public_id)
    except (User.DoesNotExist, ValueError, TypeError):
        return None


def appointment_to_move(*, user, public_id: UUID | str) -> Appointment:
    """The signed-in patient's own appointment; 404 for anyone else's."""
    return booking_selectors.appointment_for_portal_user(user=user, public_id=public_id)


def patient_may_move(appointment: Appointment, *, now: dt.datetime) -> bool:
    """Whether the patient may move this appointment online: booked, of a type patients book
    online, and not yet inside the late-cancellation window. No query once the appointment's
    type is loaded."""
    return (
        appointment.status == Appointment.Status.BOOKED
        and appointment.appointment_type.bookable_online
        and rules.may_change_online(
            start=appointment.start, now=now, late_window=booking_selectors.cancel_notice()
        )
    )
