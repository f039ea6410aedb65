"""`{% whole_dose x %}`, `{% stop_rules x %}` and `{% next_step item %}`: one rendering of an
exercise's dose, stop rules and progression for the portal, the print view, the plan editor
and the library page. Thin wrappers over `exercises.markup`, which the portal home calls
directly when it draws its exercise cards in Python."""

from __future__ import annotations

from django import template

from exercises import markup

register = template.Library()


@register.simple_tag
def whole_dose(subject, *, empty: str = ""):
    """The structured dose in bold and, on its own line, the library's dose note; `empty`
    when there is neither."""
    return markup.whole_dose_html(subject, empty=empty)


@register.simple_tag
def stop_rules(rules, *, key: str, level: int = 3):
    """The stop rules under a heading, never folded away; `level` is the heading's rank."""
    return markup.stop_rules_html(rules, key=key, level=level)


@register.simple_tag
def next_step(item):
    """A published item's step and the next one (nothing for versions without progressions)."""
    return markup.next_step_html(item)
