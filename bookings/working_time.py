"""Therapists' working time from their weekly hours and schedule exceptions (leave, blocked
time, extra hours), per site: what the calendars, the slot finder and bookings check against.
Read through `bookings.selectors`, which re-exports `working_intervals_by_site`."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connections, router
from django.db.models import QuerySet

from bookings import schedule
from bookings.closures import closed_days
from bookings.models import ScheduleException, WorkingHours
from clinic.rows import prepared_list, run_written, written_statement
from clinic.sites import Site


def _numbered(ids: list[int]) -> dict[str, int]:
    """Therapist ids as `prepared_list` values (t0, t1, ...): a list of keys is compiled once
    per length, and the calendars ask for one therapist or the whole team."""
    return {f"t{index}": pk for index, pk in enumerate(dict.fromkeys(ids))}


def _working_hours(**therapists: int) -> QuerySet[WorkingHours]:
    return WorkingHours.objects.filter(therapist_id__in=therapists.values()).select_related("site")


def _schedule_exceptions(
    *, window_start: dt.datetime, window_end: dt.datetime, **therapists: int
) -> QuerySet[ScheduleException]:
    return ScheduleException.objects.filter(
        therapist_id__in=therapists.values(), start__lt=window_end, end__gt=window_start
    ).select_related("site")


def _working_hours_values(**therapists: int):
    return WorkingHours.objects.filter(therapist_id__in=therapists.values()).values(
        "therapist_id", "site_id", "weekday", "start_time", "end_time"
    )


def _schedule_exception_values(
    *, window_start: dt.datetime, window_end: dt.datetime, **therapists: int
):
    return ScheduleException.objects.filter(
        therapist_id__in=therapists.values(), start__lt=window_end, end__gt=window_start
    ).values("therapist_id", "site_id", "kind", "start", "end")


#: The weekly hours and the window's schedule exceptions of some therapists in one round trip
#: (PostgreSQL): a row per block, `part` 0 for the weekly hours (weekday and times), 1 for the
#: exceptions (kind, start, end), each part in the order its model's read gives it (per
#: therapist for the exceptions, which is all their reader keeps). Therapists as one array, so
#: one statement for any number of them. Prepared once per connection (`clinic.rows`).
_HOURS_AND_CHANGES = written_statement(
    """
    SELECT 0 AS part, therapist_id, site_id, weekday, start_time, end_time,
           NULL::varchar AS kind, NULL::timestamptz AS "start", NULL::timestamptz AS "end"
      FROM bookings_workinghours
     WHERE therapist_id = ANY(%s)
    UNION ALL
    SELECT 1, therapist_id, site_id, NULL, NULL, NULL, kind, "start", "end"
      FROM bookings_scheduleexception
     WHERE therapist_id = ANY(%s) AND "start" < %s AND "end" > %s
    ORDER BY part, therapist_id, weekday, start_time, "start"
    """,
    ("bigint[]", "bigint[]", "timestamptz", "timestamptz"),
)


def _hours_and_changes_rows(people: dict[str, int], window) -> tuple[list, list] | None:
    """The weekly hours as (therapist id, site id, weekday, start time, end time) and the
    exceptions as (therapist id, site id, adds time, start, end), in one statement; None where
    the database is not PostgreSQL."""
    alias = router.db_for_read(WorkingHours)
    if connections[alias].vendor != "postgresql":
        return None
    ids = list(people.values())
    extra = ScheduleException.Kind.EXTRA
    hours, changes = [], []
    for part, therapist, site, weekday, begins, ends, kind, start, end in run_written(
        alias, _HOURS_AND_CHANGES, [ids, ids, window[1], window[0]]
    ):
        if part == 0:
            hours.append((therapist, site, weekday, begins, ends))
        else:
            changes.append((therapist, site, kind == extra, start, end))
    return hours, changes


def _weekly_and_changes(people: dict[str, int], window, sites: Sequence[Site] | None):
    """Working hours and schedule exceptions as (therapist id, site, ...) tuples. With `sites`
    (a list the caller read already, such as `sites_active()`), plain values are read (one
    statement on PostgreSQL) and their sites found in it (another query only for a site not
    among them); without, model instances with their sites, as before."""
    values = {"window_start": window[0], "window_end": window[1], **people}
    if sites is None:
        hours = [
            (row.therapist_id, row.site, row.weekday, row.start_time, row.end_time)
            for row in prepared_list(
                f"bookings_working_hours_{len(people)}", WorkingHours, _working_hours, **people
            )
        ]
        changes = [
            (row.therapist_id, row.site, row.adds_time, row.start, row.end)
            for row in prepared_list(
                f"bookings_schedule_exceptions_{len(people)}",
                ScheduleException,
                _schedule_exceptions,
                **values,
            )
        ]
        return hours, changes
    found = _hours_and_changes_rows(people, window)
    if found is None:  # SQLite (`make run`): the two reads through the ORM
        extra = ScheduleException.Kind.EXTRA
        found = (
            [
                (
                    row["therapist_id"],
                    row["site_id"],
                    row["weekday"],
                    row["start_time"],
                    row["end_time"],
                )
                for row in prepared_list(
                    f"bookings_working_hours_values_{len(people)}",
                    WorkingHours,
                    _working_hours_values,
                    **people,
                )
            ],
            [
                (
                    row["therapist_id"],
                    row["site_id"],
                    row["kind"] == extra,
                    row["start"],
                    row["end"],
                )
                for row in prepared_list(
                    f"bookings_schedule_exception_values_{len(people)}",
                    ScheduleException,
                    _schedule_exception_values,
                    **values,
                )
            ],
        )
    hours, changes = found
    by_id = {site.pk: site for site in sites}
    missing = {row[1] for row in (*hours, *changes)} - by_id.keys() - {None}
    if missing:  # hours at a site not open for booking
        by_id.update(Site.objects.in_bulk(missing))
    return (
        [(who, by_id[site], *rest) for who, site, *rest in hours],
        [(who, by_id.get(site), *rest) for who, site, *rest in changes],
    )


def working_intervals_by_site(
    *,
    therapist_ids: list[int],
    first: dt.date,
    last: dt.date,
    zone: ZoneInfo | None = None,
    sites: Sequence[Site] | None = None,
) -> dict[int, dict[Site, list[schedule.Interval]]]:
    """Each therapist's working time at each site between two local dates of `zone` (the
    clinic's by default), inclusive. A site's hours are wall-clock times in that site's zone
    and its public holidays close it. Leave and blocked time close every site; extra hours
    count at their own site only. Two queries, whatever the range or sites (`sites`: the
    sites the caller read already, which saves building a site per row; see
    `_weekly_and_changes`).
    """
    zone = zone or ZoneInfo(settings.TIME_ZONE)  # selectors.clinic_zone
    window = (
        schedule.local_midnight(first, zone).astimezone(dt.UTC),
        schedule.local_midnight(last + dt.timedelta(days=1), zone).astimezone(dt.UTC),
    )
    weekly: dict[int, dict[Site, list[tuple]]] = {pk: {} for pk in therapist_ids}
    people = _numbered(therapist_ids)
    if not people:
        return {}
    hours, changes = _weekly_and_changes(people, window, sites)
    for therapist_id, site, weekday, start_time, end_time in hours:
        weekly[therapist_id].setdefault(site, []).append((weekday, start_time, end_time))
    extra: dict[int, dict[Site, list[tuple]]] = {pk: {} for pk in therapist_ids}
    removed: dict[int, list[tuple]] = {pk: [] for pk in therapist_ids}
    for therapist_id, site, adds_time, start, end in changes:
        if adds_time:
            extra[therapist_id].setdefault(site, []).append((True, start, end))
        else:
            removed[therapist_id].append((False, start, end))
    found: dict[int, dict[Site, list[schedule.Interval]]] = {}
    for pk in therapist_ids:
        found[pk] = {}
        # Extra hours may be at a site the therapist has no regular hours at.
        for site in [*weekly[pk], *(site for site in extra[pk] if site not in weekly[pk])]:
            found[pk][site] = list(
                _site_time(
                    first,
                    last,
                    window,
                    site.zone,
                    site.holidays,
                    tuple(weekly[pk].get(site, ())),
                    (*extra[pk].get(site, ()), *removed[pk]),
                )
            )
    return found


@functools.lru_cache(maxsize=2048)
def _site_time(
    first: dt.date,
    last: dt.date,
    window: schedule.Interval,
    zone: ZoneInfo,
    region: str,
    weekly: tuple[tuple[int, dt.time, dt.time], ...],
    changes: tuple[tuple[bool, dt.datetime, dt.datetime], ...],
) -> tuple[schedule.Interval, ...]:
    """One therapist's working time at one site between two local dates, clipped to `window`
    (the calendar's days in UTC), from the site's zone and holiday region and the rows read:
    the weekly blocks (weekday, start, end) and the exceptions (adds time, start, end).

    Kept per process under exactly these inputs. Everything it depends on is in the key (the
    rows as read this time, the site's zone and region, the dates): a changed block, a new
    exception or a site's new zone is another key, so nothing needs clearing, and the same
    therapist's week asked for again (every view of a calendar asks for the same few weeks)
    skips the days' arithmetic and its time-zone conversions. The holiday calendars are fixed
    for the process (`closures._holiday_calendar` keeps them too)."""
    # A day early and late: another zone's local days straddle this zone's.
    early, late = first - dt.timedelta(days=1), last + dt.timedelta(days=1)
    intervals = schedule.working_intervals(
        first=early,
        last=late,
        weekly=[schedule.WeeklyBlock(*block) for block in weekly],
        exceptions=[schedule.Change(*change) for change in changes],
        zone=zone,
        closed=closed_days(first=early, last=late, region=region),
    )
    return tuple(schedule.clip(intervals, window))
