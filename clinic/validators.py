from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.core.exceptions import ValidationError


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
