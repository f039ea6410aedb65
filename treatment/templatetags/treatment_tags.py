"""The day calendar's session-note marks, without the bookings app knowing this one."""

from __future__ import annotations

from django import template
from django.template.loader import get_template
from django.utils.safestring import SafeString

from clinic.access import CLINICAL, has_role
from treatment import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def session_note_marks(context, grid) -> dict[int, SafeString]:
    """Per attended appointment id on the grid, its mark: a link to its note (clinicians), or
    that a signed note exists (reception, who never sees the content). The grid's booked
    blocks (bookings/templatetags/grid_tags.py) append these. One query, and none when no
    appointment on the grid was attended."""
    attended = [
        item
        for row in grid.rows
        for cell in row.cells
        for item in cell.appointments
        if item.status in selectors.ATTENDED
    ]
    if not attended:
        return {}
    states = selectors.session_states(appointment_ids=[item.pk for item in attended])
    clinical = has_role(context["request"].user, CLINICAL)
    mark = get_template("treatment/includes/calendar_mark.html")
    return {
        item.pk: mark.render({"item": item, "state": states.get(item.pk), "clinical": clinical})
        for item in attended
    }
