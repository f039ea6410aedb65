import datetime as dt
import functools
from importlib import resources
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError

#: The dates a booking, calendar or reminder form accepts. Python's dates end at 9999-12-31,
#: so arithmetic near either end (the next day, a local time in UTC) would overflow.
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2199, 12, 31)


def validate_plausible_date(value: dt.date) -> None:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationError(
            "Enter a date between %(first)s and %(last)s.",
            params={"first": EARLIEST_DATE.year, "last": LATEST_DATE.year},
        )


def validate_time_zone(value: str) -> None:
    """Accept only IANA zone names (Europe/London), never abbreviations or offsets."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            "%(value)s is not a time zone name; choose one such as Europe/London.",
            params={"value": value},
        ) from None


@functools.cache
def canonical_time_zones() -> dict[str, str]:
    """The IANA zones people live in, by name, each with a label naming its city and
    country ("London, Britain (UK)"), in name order.

    Read from the tz database's zone.tab (shipped by the tzdata package): one Area/City zone
    per populated region, without the aliases, abbreviations and technical zones (Factory,
    localtime, EST, Etc/GMT+5, US/Eastern) that the full list of about 600 names holds.
    """
    folder = resources.files("tzdata.zoneinfo")
    countries = dict(_tab_rows(folder.joinpath("iso3166.tab").read_text(encoding="utf-8")))
    zones = {}
    for row in _tab_rows(folder.joinpath("zone.tab").read_text(encoding="utf-8")):
        codes, name = row[0], row[2]
        city = name.rsplit("/", 1)[-1].replace("_", " ")
        country = ", ".join(countries.get(code, code) for code in codes.split(","))
        zones[name] = f"{city}, {country}"
    return dict(sorted(zones.items()))


def _tab_rows(text: str) -> list[list[str]]:
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]
