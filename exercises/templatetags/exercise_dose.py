"""`{% whole_dose x %}` and `{% stop_rules x %}`: one rendering of an exercise's dose and
stop rules for the portal, the print view, the plan editor and the library page."""

from __future__ import annotations

from collections.abc import Mapping

from django import template

from exercises import dose
from exercises.models import DOSE_FIELDS, Exercise, PlanItem

register = template.Library()


def _whole_dose(subject) -> dose.WholeDose:
    if isinstance(subject, Mapping):  # a published (frozen) or draft plan entry
        return dose.whole_dose(subject)
    if isinstance(subject, PlanItem):  # the plan's working copy: its dose over the library's
        exercise, values = subject.exercise, subject.dose()
    elif isinstance(subject, Exercise):  # the library default
        exercise, values = subject, {name: getattr(subject, name) for name in DOSE_FIELDS}
    else:
        raise TypeError(f"No dose for {type(subject).__name__}")
    return dose.WholeDose(
        text=dose.dose_text(values, each_side=exercise.each_side), note=exercise.dose_note
    )


@register.inclusion_tag("exercises/includes/whole_dose.html")
def whole_dose(subject, *, empty: str = ""):
    """The structured dose in bold and, on its own line, the library's dose note; `empty`
    when there is neither."""
    return {"dose": _whole_dose(subject), "empty": empty}


@register.inclusion_tag("exercises/includes/stop_rules.html")
def stop_rules(rules, *, key: str, level: int = 3):
    """The stop rules under a heading, never folded away; `level` is the heading's rank."""
    return {"rules": rules, "key": key, "level": level}
