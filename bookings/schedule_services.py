"""Writes for therapists' working time: regular weekly hours (at a site) and exceptions (leave,
blocked time, extra hours). Split from `services.py`, which books appointments into that time.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from bookings import selectors
from bookings.models import Appointment, ScheduleException, WorkingHours
from bookings.services import _as_utc, _lock_therapist
from bookings.waitlist.offers import waitlist_time_freed
from clinic.models import User
from clinic.sites import Site, default_site_id


class WorkingHoursClashError(ValueError):
    """The new block overlaps another of the therapist's blocks that weekday (any site)."""


@transaction.atomic
def working_hours_add(
    *,
    therapist: User,
    weekday: int,
    start_time: dt.time,
    end_time: dt.time,
    site: Site | None = None,
) -> WorkingHours:
    """Add a block to a therapist's regular week at `site` (the default site when None).
    Raises WorkingHoursClashError when it overlaps another block of that weekday, whatever
    its site (the constraint bookings_workinghours_no_overlap says the same)."""
    if end_time <= start_time:
        raise ValueError("Working hours must end after they start.")
    _lock_therapist(therapist)
    clash = selectors.working_hours_clash(
        therapist=therapist, weekday=weekday, start_time=start_time, end_time=end_time
    )
    if clash is not None:
        raise WorkingHoursClashError(clash.overlap_message)
    return WorkingHours.objects.create(
        therapist=therapist,
        weekday=weekday,
        start_time=start_time,
        end_time=end_time,
        site_id=site.pk if site is not None else default_site_id(),
    )


def working_hours_remove(*, hours: WorkingHours) -> None:
    """Take a block out of the regular week. Booked appointments stay where they are."""
    hours.delete()


def schedule_exception_add(
    *,
    therapist: User,
    kind: str,
    start: dt.datetime,
    end: dt.datetime,
    note: str = "",
    site: Site | None = None,
) -> tuple[ScheduleException, int]:
    """Record leave, blocked time or extra hours. Extra hours are at `site`, by default the
    therapist's usual site (`selectors.usual_site_id`), and make slots there only; leave and
    blocked time close every site (`site` is ignored). Also returns how many booked
    appointments fall inside new leave or blocked time, so staff can move them."""
    start, end = _as_utc(start), _as_utc(end)
    if end <= start:
        raise ValueError("The end must come after the start.")
    site_id = None
    if kind == ScheduleException.Kind.EXTRA:
        site_id = (
            site.pk
            if site is not None
            else selectors.usual_site_id(hours=list(therapist.working_hours.all()))
        )
    exception = ScheduleException.objects.create(
        therapist=therapist, kind=kind, start=start, end=end, note=note, site_id=site_id
    )
    affected = 0
    if kind != ScheduleException.Kind.EXTRA:
        affected = (
            Appointment.objects.filter(therapist=therapist, status=Appointment.Status.BOOKED)
            .overlapping(start, end)
            .count()
        )
    return exception, affected


@transaction.atomic
def schedule_exception_remove(*, exception: ScheduleException) -> None:
    """Take leave or blocked time away; the working time it frees is offered to the waitlist."""
    exception.delete()
    if not exception.adds_time:
        waitlist_time_freed(therapist=exception.therapist, start=exception.start, end=exception.end)
