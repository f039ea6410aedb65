"""The day calendar's session-note marks, without the bookings app knowing this one."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString, mark_safe

from bookings.calendar_items import NOT_READ
from clinic import links
from clinic.access import CLINICAL, has_role
from treatment import selectors

register = template.Library()

# The marks' markup, filled in Python: a template render per attended appointment was most of
# the marks' cost on a busy week. Only the note's URL (a UUID path) goes in, nothing typed.
# Each ends in the newline the template file it replaces ended in, so pages stay byte for byte.
_LINK = '<a class="d-block small session-note-link" href="{}">Session note{}</a>\n'
_SIGNED = '<span class="d-block small session-note-signed">Session note signed</span>\n'


def _mark(item, signed: bool | None, *, clinical: bool) -> SafeString:
    """`signed`: whether the visit's note is signed; None: it has no note."""
    if clinical:
        said = "" if signed is None else " (signed)" if signed else " (draft)"
        markup = _LINK.format(links.uuid_url("treatment:open", item.public_id), said)
        return mark_safe(markup)  # noqa: S308  # nosec B308 B703 (fixed markup, a UUID path)
    return _SIGNED_MARK if signed else _NO_MARK


# Reception's two marks, fixed markup made safe once (a busy week has dozens of visits).
_SIGNED_MARK = mark_safe(_SIGNED)  # noqa: S308  # nosec B308 B703 (fixed markup)
_NO_MARK = mark_safe("\n")  # nosec B308 B703 (fixed markup)


@register.simple_tag(takes_context=True)
def session_note_marks(context, grid) -> dict[int, SafeString]:
    """Per attended appointment id on the grid, its mark: a link to its note (clinicians), or
    that a signed note exists (reception, who never sees the content). The grid's booked
    blocks (bookings/grid_html.py) append these. One query, and none when no appointment on
    the grid was attended, or when the calendars' read carried each visit's state
    (`CalendarItem.note_state`). The grid hands over the appointments its blocks draw
    (`grid.booked`), so no cell is walked."""
    attended = [item for item in grid.booked if item.status in selectors.ATTENDED]
    if not attended:
        return {}
    read = [getattr(item, "note_state", NOT_READ) for item in attended]
    if NOT_READ in read:
        states = selectors.session_states(appointment_ids=[item.pk for item in attended])
    else:  # read with the appointments (`selectors.calendar_note_state`): no statement
        states = {
            item.pk: state for item, state in zip(attended, read, strict=True) if state is not None
        }
    clinical = has_role(context["request"].user, CLINICAL)
    return {item.pk: _mark(item, states.get(item.pk), clinical=clinical) for item in attended}
