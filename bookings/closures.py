"""Public holidays, per site, and the weekly series that leave them out. No query but
`series_overview`'s one.

Each site closes on its own region's public holidays, counted in its own local days: a series
at a site in Dublin skips St Patrick's Day, one in London does not.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings

from bookings.models import Appointment
from clinic.sites import Site


def _zone(site: Site | None) -> ZoneInfo:
    return site.zone if site is not None else ZoneInfo(settings.TIME_ZONE)


@functools.lru_cache(maxsize=16)
def _holiday_calendar(region: str, year: int) -> dict[dt.date, str]:
    country, _, subdivision = region.partition("-")
    return dict(holidays.country_holidays(country, subdiv=subdivision or None, years=year))


def closed_days(*, first: dt.date, last: dt.date, region: str | None = None) -> dict[dt.date, str]:
    """Public holidays between two local dates (inclusive), each with its name ("Christmas
    Day"), for `region` (a site's, `Site.holidays`), by default the CLINIC_HOLIDAYS setting
    (the default site's). No query."""
    region = settings.CLINIC_HOLIDAYS if region is None else region
    if not region or last < first:
        return {}
    found: dict[dt.date, str] = {}
    for year in range(first.year, last.year + 1):
        found.update(
            (day, name)
            for day, name in _holiday_calendar(region, year).items()
            if first <= day <= last
        )
    return dict(sorted(found.items()))


def holiday_on(*, start: dt.datetime, site: Site | None) -> tuple[dt.date, str | None]:
    """The local day of `start` at `site` (the default site when None) and the name of the
    public holiday that closes the site that day, or None."""
    day = start.astimezone(_zone(site)).date()
    region = site.holidays if site is not None else None
    return day, closed_days(first=day, last=day, region=region).get(day)


@dataclass(frozen=True)
class SeriesPlan:
    """The weekly starts a series books, and the weeks it leaves out with the reason, as
    local days of the site the series is at (`zone`)."""

    starts: list[dt.datetime]
    skipped: list[tuple[dt.datetime, str]]
    zone: ZoneInfo

    @property
    def skipped_labels(self) -> list[str]:
        days = [(when.astimezone(self.zone), why) for when, why in self.skipped]
        return [f"{day:%a} {day.day} {day:%b %Y} ({why})" for day, why in days]


def series_plan(*, start: dt.datetime, weeks: int, site: Site | None = None) -> SeriesPlan:
    """The same local time at `site` (the default site when None) weekly for `weeks` weeks
    (daylight saving keeps 10:00 at 10:00). A series of two or more weeks skips that site's
    public holidays; a single booking is not skipped but checked like any other time (the
    site is closed then). No query."""
    zone = _zone(site)
    local = start.astimezone(zone)
    days = [local.date() + dt.timedelta(weeks=week) for week in range(weeks)]
    region = site.holidays if site is not None else None
    closed = closed_days(first=days[0], last=days[-1], region=region) if weeks > 1 else {}
    starts, skipped = [], []
    for day in days:
        when = dt.datetime.combine(day, local.time(), tzinfo=zone).astimezone(dt.UTC)
        if day in closed:
            skipped.append((when, f"public holiday: {closed[day]}"))
        else:
            starts.append(when)
    return SeriesPlan(starts=starts, skipped=skipped, zone=zone)


@dataclass(frozen=True)
class SeriesOverview:
    """A booked weekly series as the appointment page lists it."""

    members: list[Appointment]
    skipped: list[str]


def series_overview(*, appointment: Appointment) -> SeriesOverview | None:
    """The other appointments of `appointment`'s weekly series, and the public holidays of
    its site the series left out (weeks between its first and last appointment that fell on
    one and were not booked). None for a single appointment. One query (read `appointment`
    with its site joined)."""
    if appointment.series_id is None:
        return None
    members = list(
        Appointment.objects.filter(series_id=appointment.series_id).order_by("start", "id")
    )
    site = appointment.site
    zone = site.zone
    first = members[0].start.astimezone(zone)
    last = members[-1].start.astimezone(zone).date()
    weeks = (last - first.date()).days // 7 + 1
    booked = {member.start.astimezone(zone).date() for member in members}
    plan = series_plan(start=first, weeks=weeks, site=site)
    skipped = [
        label
        for (when, _), label in zip(plan.skipped, plan.skipped_labels, strict=True)
        if when.astimezone(zone).date() not in booked
    ]
    return SeriesOverview(members=members, skipped=skipped)
