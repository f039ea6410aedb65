"""The day calendar's session-note marks, without the bookings app knowing this one."""

from __future__ import annotations

from django import template

from bookings.models import Appointment
from clinic.access import CLINICAL, has_role
from treatment import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def session_notes(context, grid) -> dict:
    """Per appointment id on the grid: {"public_id", "signed"} for appointments with a note,
    plus "clinical" (whether the viewer may open notes). One query, and none when no
    appointment on the grid was attended."""
    attended = [
        item.pk
        for row in grid.rows
        for cell in row.cells
        for item in cell.appointments
        if item.status in selectors.ATTENDED
    ]
    states = selectors.session_states(appointment_ids=attended)
    return {"states": states, "clinical": has_role(context["request"].user, CLINICAL)}


@register.inclusion_tag("treatment/includes/calendar_mark.html")
def session_note_mark(notes: dict, item: Appointment) -> dict:
    """An attended appointment's link to its note (clinicians) or that a note is signed."""
    return {
        "item": item,
        "state": notes["states"].get(item.pk),
        "clinical": notes["clinical"],
        "attended": item.status in selectors.ATTENDED,
    }
