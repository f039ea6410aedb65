"""Sites for tests: a second (and third) site beside the default one the migration made."""

from __future__ import annotations

import datetime as dt

from bookings.models import WorkingHours
from clinic.sites import Site, default_site


def make_site(name: str, *, time_zone: str = "Europe/London", holiday_region: str = "") -> Site:
    """A site of the default site's group; no holidays unless a region is given."""
    main = default_site()
    return Site.objects.create(
        group=main.group,
        name=name,
        slug=name.lower().replace(" ", "-"),
        address=f"1 {name} Road",
        time_zone=time_zone,
        holiday_region=holiday_region,
    )


def hours_at(site: Site, therapist, *, weekdays, start: str = "09:00", end: str = "17:00"):
    for weekday in weekdays:
        WorkingHours.objects.create(
            therapist=therapist,
            site=site,
            weekday=weekday,
            start_time=dt.time.fromisoformat(start),
            end_time=dt.time.fromisoformat(end),
        )
