import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

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


def time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(available_timezones())]
