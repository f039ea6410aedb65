"""FHIR search parameters, parsed and validated: pure Python, no ORM, no request.

Strict handling: a parameter the resource type does not support, or a value that does not
parse, is refused with a message saying why (400), never silently ignored, so a client never
takes a wider result for the narrower one it asked for.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass, field

DEFAULT_COUNT = 20
MAX_COUNT = 100
#: Paging and format parameters every search takes.
CONTROL = ("_count", "_offset", "_format")
JSON_FORMATS = ("json", "application/json", "application/fhir+json")
DATE_PREFIXES = ("eq", "lt", "le", "gt", "ge")
_DATE = re.compile(r"^(eq|lt|le|gt|ge)?(\d{4}-\d{2}-\d{2})$")


class SearchError(ValueError):
    """A search parameter the server will not take; the message says which and why."""


@dataclass(frozen=True)
class DateBound:
    prefix: str
    day: dt.date


@dataclass
class Search:
    patient: uuid.UUID | None = None
    ids: list[uuid.UUID] = field(default_factory=list)
    dates: list[DateBound] = field(default_factory=list)
    count: int = DEFAULT_COUNT
    offset: int = 0

    def query(self) -> list[tuple[str, str]]:
        """The search as query-string pairs, paging left out (the links add their own)."""
        pairs: list[tuple[str, str]] = []
        if self.patient is not None:
            pairs.append(("patient", str(self.patient)))
        pairs += [("_id", str(one)) for one in self.ids]
        pairs += [("date", f"{bound.prefix}{bound.day.isoformat()}") for bound in self.dates]
        return pairs


def _one(values: list[str], name: str) -> str:
    if len(values) != 1:
        raise SearchError(f"Give {name} once.")
    return values[0]


def _uuid(value: str, name: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise SearchError(f"{name} must be an id from this server (a UUID).") from None


def _int(value: str, name: str, *, low: int) -> int:
    if not value.isdigit() or int(value) < low:
        raise SearchError(f"{name} must be a whole number of at least {low}.")
    return int(value)


def parse(query: dict[str, list[str]], *, supported: tuple[str, ...]) -> Search:
    """A validated Search from the query string (`query`: name -> every value given).

    `supported` names the parameters the resource type takes (among "patient", "_id",
    "date"). `_count` above MAX_COUNT is lowered to it (FHIR lets a server return fewer)."""
    search = Search()
    for name, values in query.items():
        if name not in supported and name not in CONTROL:
            allowed = ", ".join(sorted((*supported, *CONTROL)))
            raise SearchError(f"This search does not take {name!r}; it takes {allowed}.")
        if name == "_count":
            search.count = min(_int(_one(values, name), name, low=1), MAX_COUNT)
        elif name == "_offset":
            search.offset = _int(_one(values, name), name, low=0)
        elif name == "_format":
            if _one(values, name) not in JSON_FORMATS:
                raise SearchError("This server answers in JSON only (_format=json).")
        elif name == "patient":
            value = _one(values, name)
            search.patient = _uuid(value.removeprefix("Patient/"), name)
        elif name == "_id":
            search.ids = [_uuid(one, name) for value in values for one in value.split(",") if one]
            if not search.ids:
                raise SearchError("_id needs at least one id.")
        elif name == "date":
            search.dates = [_date(value) for value in values]
    return search


def _date(value: str) -> DateBound:
    match = _DATE.match(value)
    if match is None:
        raise SearchError(
            "date must be a day as YYYY-MM-DD, optionally after eq, lt, le, gt or ge "
            "(e.g. date=ge2026-01-01)."
        )
    try:
        day = dt.date.fromisoformat(match.group(2))
    except ValueError:
        raise SearchError(f"{match.group(2)} is not a real day.") from None
    return DateBound(match.group(1) or "eq", day)


def day_range(bound: DateBound) -> tuple[dt.date | None, dt.date | None]:
    """The half-open range [start, end) of days a bound admits (None: unbounded)."""
    next_day = bound.day + dt.timedelta(days=1)
    return {
        "eq": (bound.day, next_day),
        "lt": (None, bound.day),
        "le": (None, next_day),
        "gt": (next_day, None),
        "ge": (bound.day, None),
    }[bound.prefix]
