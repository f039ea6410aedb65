"""The markup of an exercise's dose, stop rules and next step, drawn in Python.

One source for every page that shows them: the portal home's exercise cards, the printed plan,
the plan editor and the library page (through the `exercise_dose` template tags, which are
thin wrappers over these functions). Drawn here rather than by an included template because
the portal home draws them for every exercise on every view, and each include cost about
thirty template lookups per card. Every value is escaped; the result is safe HTML.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.safestring import SafeString, mark_safe

from clinic.markup import escape
from exercises import dose
from exercises.models import DOSE_FIELDS, Exercise, PlanItem


def whole_dose_of(subject) -> dose.WholeDose:
    """The whole dose of a published or draft plan entry (a mapping), a plan's working copy
    (a `PlanItem`: its dose over the library's) or a library exercise (its default)."""
    if isinstance(subject, Mapping):
        return dose.whole_dose(subject)
    if isinstance(subject, PlanItem):
        exercise, values = subject.exercise, subject.dose()
    elif isinstance(subject, Exercise):
        exercise, values = subject, {name: getattr(subject, name) for name in DOSE_FIELDS}
    else:
        raise TypeError(f"No dose for {type(subject).__name__}")
    return dose.WholeDose(
        text=dose.dose_text(values, each_side=exercise.each_side), note=exercise.dose_note
    )


def whole_dose_html(subject, *, empty: str = "") -> SafeString:
    """The structured dose in bold and, on its own line, the library's dose note; `empty`
    when there is neither."""
    found = whole_dose_of(subject)
    text = (
        f'<p class="fw-semibold mb-1 exercise-dose">{escape(found.text)}</p>' if found.text else ""
    )
    note = f'<p class="mb-2 exercise-dose-note">{escape(found.note)}</p>' if found.note else ""
    neither = "" if found.text or found.note else escape(empty)
    return mark_safe(f"{text}\n{note}\n{neither}\n")  # noqa: S308  # nosec B703 B308: escaped above


def stop_rules_html(rules, *, key: str, level: int = 3) -> SafeString:
    """The stop rules under a heading, never folded away; `level` is the heading's rank."""
    if not rules:
        return mark_safe("\n")  # nosec B703 B308
    key = escape(key)
    items = "".join(f"<li>{escape(rule)}</li>" for rule in rules)
    return mark_safe(  # noqa: S308 (every value escaped above; level is an int)  # nosec B703 B308
        f'<section class="exercise-stop-rules mb-2" aria-labelledby="stop-rules-{key}">\n'
        f'  <h{int(level)} class="h6 mb-1" id="stop-rules-{key}"><span aria-hidden="true">'
        f"&#9888;</span> Safety first: when to stop</h{int(level)}>\n"
        f'  <ul class="mb-0">{items}</ul>\n'
        "</section>\n"
    )


def next_step_html(item: Mapping) -> SafeString:
    """A published item's progression: its step and the next one with when to move on
    (versions from before progressions have neither: nothing shows)."""
    step, following = item.get("step"), item.get("next_step")
    shown = ""
    if step:
        shown = (
            f'<p class="mb-1 portal-step">Your step: {escape(step.get("name", ""))}'
            f" (step {escape(step.get('number', ''))} of"
            f" {escape(step.get('of', ''))})</p>"
        )
    shown += "\n"
    if following:
        shown += (
            '<p class="mb-2 portal-next-step">Next step, “'
            f"{escape(following.get('name', ''))}”, when"
            f" {escape(following.get('when', ''))}. Your physio will move you on.</p>"
        )
    return mark_safe(f"\n{shown}\n")  # noqa: S308 (every value escaped above)  # nosec B703 B308
