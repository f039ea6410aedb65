"""Whether a booked patient has said they are coming: the calendar's mark for each appointment.

Pure logic, no ORM: the calendar's query says whether a reminder asked for a reply, the
appointment says whether (and how) one came. Each mark has a symbol and words, so it never
depends on colour alone.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mark:
    key: str  # for the CSS class
    symbol: str  # shown beside the words, hidden from screen readers
    label: str
    meaning: str  # for the legend


CONFIRMED = Mark("confirmed", "\N{CHECK MARK}", "Confirmed", "the patient said they are coming")
NO_REPLY = Mark(
    "no-reply", "?", "No reply", "a reminder asked them to confirm and no answer has come"
)
NOT_ASKED = Mark("not-asked", "\N{EN DASH}", "Not asked", "no reminder has asked them yet")
LEGEND = (CONFIRMED, NO_REPLY, NOT_ASKED)

_HOW = {"text": "by text", "phone": "by phone"}
#: How a confirmation can come (`Appointment.confirmed_via`, besides "": not said).
CONFIRMED_VIA = tuple(_HOW)


def confirmation_mark(*, status: str, confirmed_at, asked: bool) -> Mark | None:
    """The mark for an appointment; None unless it is booked (arrived, completed, cancelled
    and did-not-attend appointments have their status badge instead)."""
    if status != "booked":
        return None
    if confirmed_at is not None:
        return CONFIRMED
    return NO_REPLY if asked else NOT_ASKED


def confirmation_words(mark: Mark, confirmed_via: str = "") -> str:
    """The mark's words, with how a confirmation came ("Confirmed by phone")."""
    how = _HOW.get(confirmed_via) if mark is CONFIRMED else None
    return f"{mark.label} {how}" if how else mark.label
