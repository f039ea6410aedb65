"""Reads for bookings, scoped by who is asking.

Staff (therapists, reception, the manager) see every appointment; a portal user sees only
their own patient record's appointments and gets a 404 for anything else.
"""

from __future__ import annotations

import datetime as dt
import functools
import heapq
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast
from django.http import Http404
from django.utils import timezone

from bookings import schedule

# Public holidays and weekly series live in `closures`; callers read them as selectors.
from bookings.calendar_items import CalendarItem, CalendarTherapist, timed_columns
from bookings.closures import (  # noqa: F401
    SeriesPlan,
    closed_days,
    series_overview,
    series_plan,
)
from bookings.models import (
    MAX_APPOINTMENT_LENGTH,
    Appointment,
    AppointmentType,
    WorkingHours,
)
from bookings.reminders import asked_to_confirm
from bookings.working_time import _numbered, working_intervals_by_site
from clinic import audit
from clinic.access import STAFF, has_role
from clinic.models import User
from clinic.plugins import plugin_modules
from clinic.rows import prepared_list, prepared_tuples
from clinic.sites import Site, default_site, default_site_id

SLOT_STEP = dt.timedelta(minutes=15)


def clinic_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def cancel_notice() -> dt.timedelta:
    """How long before the start a patient may still cancel online."""
    return dt.timedelta(hours=settings.BOOKING_CANCEL_NOTICE_HOURS)


def clinic_phone() -> str:
    """The number patients ring when it is too late to cancel online (setting CLINIC_PHONE)."""
    return settings.CLINIC_PHONE


def therapists() -> QuerySet[User]:
    """Everyone who sees patients: active users in the therapist role. The manager (a
    superuser, who gets the therapist role by default) counts only once they have working
    hours, so a manager who never treats is not offered on calendars, the slot finder or any
    therapist picker. One query, no duplicates."""
    works = Exists(WorkingHours.objects.filter(therapist=OuterRef("pk")))
    return (
        User.objects.filter(role=User.Role.THERAPIST, is_active=True)
        .filter(Q(is_superuser=False) | works)
        .order_by("first_name", "last_name", "email")
    )


def therapists_listed() -> list[User]:
    """`therapists()` as a list, with SQL compiled once per process (clinic/rows.py): the
    calendars' picker and columns read it on every view. One query."""
    return prepared_list("bookings_therapists", User, therapists)


def therapists_shown() -> list[CalendarTherapist]:
    """`therapists_listed()` as the calendars show them (`CalendarTherapist`: key, public id
    as text, names, email), read as plain values rather than `User` instances. One query."""
    return CalendarTherapist.all_of(
        *prepared_tuples("bookings_therapists_shown", User, _therapists_shown)
    )


def _therapists_shown():
    return therapists().values(
        "id", "first_name", "last_name", "email", public_ref=_text("public_id")
    )


def appointment_types() -> QuerySet[AppointmentType]:
    return AppointmentType.objects.filter(is_active=True)


def _with_relations(queryset: QuerySet[Appointment]) -> QuerySet[Appointment]:
    return queryset.select_related("patient", "therapist", "appointment_type", "room", "site")


def appointments_between(
    *, start: dt.datetime, end: dt.datetime, therapist: User | None = None
) -> QuerySet[Appointment]:
    """Appointments (cancelled ones included) overlapping [start, end), ready to display."""
    queryset = Appointment.objects.overlapping(start, end)
    if therapist is not None:
        queryset = queryset.filter(therapist=therapist)
    return _with_relations(queryset).order_by("start", "therapist__first_name", "id")


def appointment_for_staff(*, user, public_id: UUID | str) -> Appointment:
    if not has_role(user, STAFF):
        raise Http404("No such appointment")
    try:
        appointment = _with_relations(Appointment.objects.all()).get(public_id=public_id)
    except (Appointment.DoesNotExist, ValueError, TypeError):
        raise Http404("No such appointment") from None
    audit.note_patient(appointment.patient, appointment)
    return appointment


def appointments_for_patient(*, patient) -> QuerySet[Appointment]:
    return _with_relations(Appointment.objects.filter(patient=patient))


def appointments_upcoming_for_patient(*, patient, now: dt.datetime) -> list[Appointment]:
    """The patient's appointments not yet over and not cancelled, soonest first."""
    return list(
        appointments_for_patient(patient=patient)
        .filter(end__gt=now)
        .exclude(status=Appointment.Status.CANCELLED)
        .order_by("start")
    )


def appointments_past_for_patient(*, patient, now: dt.datetime) -> QuerySet[Appointment]:
    """The patient's appointments already over, whatever their status, newest first."""
    return appointments_for_patient(patient=patient).filter(end__lte=now).order_by("-start")


def appointment_for_portal_user(*, user, public_id: UUID | str) -> Appointment:
    if not user.is_authenticated:
        raise Http404("No such appointment")
    try:
        return _with_relations(
            Appointment.objects.filter(patient__user=user, patient__archived_at__isnull=True)
        ).get(public_id=public_id)
    except (Appointment.DoesNotExist, ValueError, TypeError):
        raise Http404("No such appointment") from None


def appointments_due_for_reminder(
    *, window_start: dt.datetime, window_end: dt.datetime
) -> QuerySet[Appointment]:
    """Hook for the reminder pipeline: booked appointments starting in [window_start, window_end).

    The caller owns idempotency, consent and quiet hours; this only says what is due.
    """
    return _with_relations(
        Appointment.objects.filter(
            status=Appointment.Status.BOOKED, start__gte=window_start, start__lt=window_end
        )
    ).order_by("start", "id")


def appointment_conflicts(
    *,
    therapist: User,
    patient,
    room,
    start: dt.datetime,
    end: dt.datetime,
    exclude_pk: int | None = None,
) -> list[str]:
    """Plain-language reasons the slot is taken; empty when it is free. One query."""
    who = Q(therapist=therapist) | Q(patient=patient)
    if room is not None:
        who |= Q(room=room)
    clashes = Appointment.objects.active().overlapping(start, end).filter(who)
    if exclude_pk is not None:
        clashes = clashes.exclude(pk=exclude_pk)
    zone = clinic_zone()
    messages = []
    for clash in clashes.select_related("patient", "therapist", "room"):
        when = f"{clash.start.astimezone(zone):%a %d %b %H:%M}-{clash.end.astimezone(zone):%H:%M}"
        if clash.therapist_id == therapist.pk:
            messages.append(f"{clash.therapist} already has an appointment {when}.")
        if clash.patient_id == patient.pk:
            messages.append(f"{clash.patient} already has an appointment {when}.")
        if room is not None and clash.room_id == room.pk:
            messages.append(f"{clash.room} is already in use {when}.")
    return list(dict.fromkeys(messages))


def usual_site_id(*, hours: list[WorkingHours]) -> int:
    """The site most of a therapist's regular `hours` are at (on a tie, the one met first in
    `hours`), else the default site: where their extra hours are unless staff say otherwise.
    No query once `hours` are read (one otherwise, for the default site)."""
    counts = Counter(block.site_id for block in hours)
    if not counts:
        return default_site_id()
    return counts.most_common(1)[0][0]


def working_intervals_for(
    *,
    therapist_ids: list[int],
    first: dt.date,
    last: dt.date,
    site: Site | None = None,
    zone: ZoneInfo | None = None,
) -> dict[int, list[schedule.Interval]]:
    """Each therapist's working time between two local dates, at `site` or at any site (see
    `working_intervals_by_site`). Two queries, whatever the range."""
    by_site = working_intervals_by_site(
        therapist_ids=therapist_ids, first=first, last=last, zone=zone
    )
    return {
        pk: schedule.merge(
            interval
            for place, intervals in sites.items()
            if site is None or place.pk == site.pk
            for interval in intervals
        )
        for pk, sites in by_site.items()
    }


def site_covering(*, therapist_id: int, start: dt.datetime, end: dt.datetime) -> Site | None:
    """The site whose working hours of the therapist cover [start, end), or None outside
    them. Two queries."""
    zone = clinic_zone()
    by_site = working_intervals_by_site(
        therapist_ids=[therapist_id],
        first=start.astimezone(zone).date(),
        last=end.astimezone(zone).date(),
    )
    for place, intervals in by_site[therapist_id].items():
        if schedule.covers(intervals, (start, end)):
            return place
    return None


def booking_site(
    *, therapist_id: int, start: dt.datetime, site: Site | None = None, room=None, patient=None
) -> Site:
    """Where a booking at `start` is when no working time covers it: the `site` chosen, else
    the room's, else the site of the therapist's regular hours at that local time (closed
    that day, say for a public holiday), else the patient's preferred or the default site.
    At most two queries."""
    if site is not None:
        return site
    if room is not None:
        return room.site
    for block in WorkingHours.objects.filter(therapist_id=therapist_id).select_related("site"):
        local = start.astimezone(block.site.zone)
        if block.weekday == local.weekday() and block.start_time <= local.time() < block.end_time:
            return block.site
    if patient is not None and patient.preferred_site_id is not None:
        return patient.preferred_site
    return default_site()


def within_working_hours(*, therapist: User, start: dt.datetime, end: dt.datetime) -> bool:
    return site_covering(therapist_id=therapist.pk, start=start, end=end) is not None


def working_hours_clash(
    *,
    therapist: User,
    weekday: int,
    start_time: dt.time,
    end_time: dt.time,
    exclude_pk: int | None = None,
) -> WorkingHours | None:
    """The therapist's block on that weekday that [start_time, end_time) overlaps, at any
    site (a therapist is at one site at a time), or None. One query."""
    clashes = WorkingHours.objects.filter(
        therapist=therapist, weekday=weekday, start_time__lt=end_time, end_time__gt=start_time
    ).select_related("site")
    if exclude_pk is not None:
        clashes = clashes.exclude(pk=exclude_pk)
    return clashes.order_by("start_time").first()


#: What a calendar cell shows of an appointment (grid_html._BookedBlocks, status_buttons.html,
#: treatment's session-note mark, the audit note), read as plain values (`CalendarItem`): a
#: week shows about fifty appointments, each four model instances if read as models.
CALENDAR_COLUMNS = (
    "id",
    "start",
    "end",
    "status",
    "confirmed_at",
    "confirmed_via",
    "therapist_id",
    "patient_id",
    "room_id",
    "patient__first_name",
    "patient__last_name",
    "appointment_type__name",
    "room__name",
    "asked_to_confirm",
)


def _calendar_appointments(
    *, people: dict[str, int], start: dt.datetime, end: dt.datetime, site: Site | None, zone=None
) -> list[CalendarItem]:
    """The calendar's appointments of these therapists overlapping [start, end), at `site`
    if given, their times in `zone`. One query, compiled once per process for each number of
    therapists."""
    if not people:
        return []
    # `Appointment.objects.overlapping` with its lower bound passed in: `prepared_list` takes
    # values as they reach the SQL, not worked out from another one.
    values = {"start": start, "end": end, "earliest": start - MAX_APPOINTMENT_LENGTH, **people}
    if site is None:
        names, rows = prepared_tuples(
            f"bookings_calendar_{len(people)}", Appointment, _calendar_query, **values
        )
    else:
        names, rows = prepared_tuples(
            f"bookings_calendar_{len(people)}_site",
            Appointment,
            _calendar_query,
            **values,
            site_id=site.pk,
        )
    # Tuples, not dicts: each row's values go straight into its item.
    return CalendarItem.all_of(names, rows, zone)


def _calendar_query(
    *,
    start: dt.datetime,
    end: dt.datetime,
    earliest: dt.datetime,
    site_id: int | None = None,
    **therapists: int,
) -> QuerySet[Appointment]:
    appointments = Appointment.objects.filter(
        start__lt=end, end__gt=start, start__gt=earliest, therapist_id__in=therapists.values()
    )
    if site_id is not None:
        appointments = appointments.filter(site_id=site_id)
    appointments = appointments.annotate(asked_to_confirm=_asked_if_waiting())
    noted = ()
    note_state = _note_state()
    if note_state is not None:
        appointments, noted = appointments.annotate(note_state=note_state()), ("note_state",)
    columns, timed = timed_columns(CALENDAR_COLUMNS)
    return (
        appointments.order_by("start", "id")
        # Public ids as the database writes them: links and the audit trail want the text,
        # and parsing two UUIDs a row only for them to be printed again cost more.
        .values(
            *columns,
            *noted,
            **timed,
            public_ref=_text("public_id"),
            patient_ref=_text("patient__public_id"),
        )
    )


@functools.cache
def _note_state() -> Callable[[], Any] | None:
    """What another app reads with each appointment of a calendar: the `calendar_note_state`
    an app's `panels.py` offers (clinic/plugins.py; treatment's), a function giving a boolean
    expression over an appointment's row for its session note's state (None: not attended, or
    no note; False: a draft; True: signed). The calendars' appointments' read then carries it
    as `CalendarItem.note_state`, and the grid's session-note marks need no statement of their
    own. Bookings does not import treatment: the expression comes from there. None when no app
    offers one (the marks then read the states themselves)."""
    for module in plugin_modules("panels"):
        build = getattr(module, "calendar_note_state", None)
        if build is not None:
            return build
    return None


def _asked_if_waiting() -> Case:
    """`asked_to_confirm` for an appointment still booked and not confirmed, the only ones
    whose mark depends on it (`confirmation.confirmation_mark`: a confirmed one is confirmed,
    one no longer booked has no mark); False for the rest, so that the server looks for a
    reminder (two index scans) only for those rather than for every appointment of the week."""
    return Case(
        When(
            Q(status=Appointment.Status.BOOKED, confirmed_at__isnull=True),
            then=asked_to_confirm(),
        ),
        default=Value(False),
        output_field=BooleanField(),
    )


def _text(field: str):
    """A public id as PostgreSQL writes a uuid ("8-4-4-4-12" hex). SQLite (the demo) stores 32
    hex digits, so there it is read as a UUID and `CalendarItem.all_of` prints it."""
    return Cast(field, CharField()) if connection.vendor == "postgresql" else F(field)


def calendar_days(
    *,
    first: dt.date,
    last: dt.date,
    therapist: User | None,
    everyone: list | None = None,
    site: Site | None = None,
    sites: list[Site] | None = None,
) -> list[dict]:
    """Appointments and working hours for each day and therapist in [first, last].

    Four queries whatever the number of appointments or sites: therapists (unless one is
    given, or `everyone`, the list `therapists()` gives, already read), working hours (with
    their sites), schedule exceptions, and appointments with patient, type and room joined
    (CALENDAR_COLUMNS as `CalendarItem`s, not model instances; each with `asked_to_confirm`:
    a text reminder asked for a reply; and, when an app offers it, `note_state`:
    `_note_state`).
    Days are local days in `site`'s time zone, else the clinic's. With a `site`, only its
    hours and appointments show, and only therapists who work there or have appointments
    there. `sites`: the sites read already (`sites_active()`), so the working hours' sites are
    found among them rather than built per row.
    """
    zone = site.zone if site is not None else clinic_zone()
    if therapist is not None:
        people = [therapist]
    else:
        people = therapists_listed() if everyone is None else list(everyone)
    ids = [person.pk for person in people]
    by_site = working_intervals_by_site(
        therapist_ids=ids, first=first, last=last, zone=zone, sites=sites
    )
    working = {
        pk: schedule.merge(
            interval
            for place, intervals in places.items()
            if site is None or place.pk == site.pk
            for interval in intervals
        )
        for pk, places in by_site.items()
    }
    window_start = schedule.local_midnight(first, zone)
    window_end = schedule.local_midnight(last + dt.timedelta(days=1), zone)
    by_id = {person.pk: person for person in people}
    appointments = _calendar_appointments(
        people=_numbered(ids), start=window_start, end=window_end, site=site, zone=zone
    )
    # The days' bounds (UTC, and as seconds), kept per process (`schedule.day_edges`).
    shown, _, seconds = schedule.day_edges(first, last, zone)
    # Each therapist's appointments by day, in one pass: an item goes to the days its instants
    # meet (`CalendarItem.span`, seconds: its times are in `zone`, and comparing them with the
    # days' UTC bounds would ask both zones for offsets), found among the days' bounds by
    # bisection rather than by a look at every item for every day.
    by_therapist = {pk: [[] for _ in shown] for pk in by_id}
    for item in appointments:
        # The therapist is one of `people`: no join, and every appointment of a column
        # shares the one row.
        item.therapist = by_id[item.therapist_id]
        start, end = item.span or (item.start.timestamp(), item.end.timestamp())
        # The days whose [opens, closes) meets [start, end): closes > start and opens < end.
        top, bottom = bisect_right(seconds, start) - 1, bisect_left(seconds, end)
        on = by_therapist[item.therapist_id]
        for index in range(top if top > 0 else 0, bottom if bottom < len(on) else len(on)):
            on[index].append(item)
    if site is not None and therapist is None:
        booked_here = {item.therapist_id for item in appointments}
        people = [
            person
            for person in people
            if person.pk in booked_here or any(place.pk == site.pk for place in by_site[person.pk])
        ]
    # Each therapist's working intervals by day, in UTC and as local times (kept per process
    # under the intervals, the days and the zone: `schedule.working_days`).
    hours_of = {
        person.pk: schedule.working_days(tuple(working[person.pk]), first, last, zone)
        for person in people
    }
    return [
        {
            "day": day,
            "columns": [
                {
                    "therapist": person,
                    "hours": list(hours_of[person.pk][index][1]),
                    "working": list(hours_of[person.pk][index][0]),
                    "appointments": by_therapist[person.pk][index],
                }
                for person in people
            ],
        }
        for index, day in enumerate(shown)
    ]


@dataclass(frozen=True)
class FreeSlot:
    therapist: User
    start: dt.datetime
    end: dt.datetime
    site: Site | None = None


#: Parts of the day reception can search, by local start time: [from, until).
PERIODS = {
    "morning": (dt.time(0, 0), dt.time(12, 0)),
    "afternoon": (dt.time(12, 0), dt.time(17, 0)),
    "evening": (dt.time(17, 0), None),
}


def _in_period(local: dt.datetime, period: str) -> bool:
    begins, ends = PERIODS[period]
    return begins <= local.time() and (ends is None or local.time() < ends)


def free_slots(
    *,
    appointment_type: AppointmentType,
    therapist: User | None = None,
    patient=None,
    not_before: dt.datetime | None = None,
    days: int = 28,
    period: str | None = None,
    site: Site | None = None,
) -> list[FreeSlot]:
    """Every free start for `appointment_type` in the next `days` local days, on the
    15-minute grid, earliest first (then by therapist). With no therapist, everyone's hours
    count; with no site, every site's (each slot says where it is: the site whose hours it
    lies in). `period` ("morning", "afternoon" or "evening", see PERIODS) keeps only starts in
    that part of the day. Public holidays, leave and blocked time are closed, and when a
    patient is given, times they are already booked are skipped too. Days, the grid and the
    period are local to `site`, else to the clinic.

    Four queries whatever the number of therapists, sites, appointments or slots: therapists
    (unless one is given), working hours, schedule exceptions, and busy appointments.
    """
    zone = site.zone if site is not None else clinic_zone()
    now = timezone.now()
    not_before = max(not_before or now, now)
    first = not_before.astimezone(zone).date()
    last = first + dt.timedelta(days=days - 1)
    people = [therapist] if therapist is not None else list(therapists())
    ids = [person.pk for person in people]
    working = working_intervals_by_site(therapist_ids=ids, first=first, last=last, zone=zone)
    window_end = schedule.local_midnight(last + dt.timedelta(days=1), zone)
    busy: dict[int, list[schedule.Interval]] = {pk: [] for pk in ids}
    patient_busy: list[schedule.Interval] = []
    who = Q(therapist_id__in=ids)
    if patient is not None:
        who |= Q(patient=patient)
    for start, end, therapist_id, patient_id in (
        Appointment.objects.active()
        .overlapping(not_before, window_end)
        .filter(who)
        .values_list("start", "end", "therapist_id", "patient_id")
    ):
        if therapist_id in busy:
            busy[therapist_id].append((start, end))
        if patient is not None and patient_id == patient.pk:
            patient_busy.append((start, end))
    length = appointment_type.duration
    each: list[list[FreeSlot]] = []
    for person in people:
        for place, intervals in working[person.pk].items():
            if site is not None and place.pk != site.pk:
                continue
            free = schedule.subtract(intervals, busy[person.pk] + patient_busy)
            starts = schedule.fitting_starts(
                free, length=length, not_before=not_before, step=SLOT_STEP, zone=place.zone
            )
            if period:
                starts = (
                    start for start in starts if _in_period(start.astimezone(place.zone), period)
                )
            each.append([FreeSlot(person, start, start + length, place) for start in starts])
    # Each list is in time order already; merging keeps the therapists' order at equal times.
    return list(heapq.merge(*each, key=lambda slot: slot.start))
