"""A follow-up's red-flag screen and neurological examination, compared with the last visit.

Plain Python, no ORM: it reads two findings mappings (SPEC names; absent or None = not
recorded) and says, for each red-flag question and each neurological finding, what was found
last time, what is found now and, in words, what changed. A new red flag or a worse
neurological finding is marked `worse`, so the page can highlight it in words and not by
colour alone (SPEC 3.9b; issue 13, section 3).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from assessments.diagnosis.schema import FIELDS, FieldSpec, Group, fields_in_group

RED_FLAG_ITEMS: tuple[str, ...] = tuple(
    spec.name
    for spec in fields_in_group(Group.RED_FLAGS)
    if spec.name != "red_flag_screen_completed"
)
"""The red-flag questions, without the "screen completed" tick."""

NEURO_FIELDS: tuple[str, ...] = ("neuro_exam", "neuro_deficit_progressing")
RESCREENED: tuple[str, ...] = (*RED_FLAG_ITEMS, *NEURO_FIELDS)
"""What every follow-up asks again and compares with the last visit."""

# How far a neurological deficit reaches; "not_done" has no place on the scale.
_NEURO_SEVERITY = {
    "normal": 0,
    "unilateral_single_root_deficit": 1,
    "bilateral_or_multi_root_deficit": 2,
}


def finding_text(spec: FieldSpec, value: object) -> str:
    """A recorded value as the clinician reads it ("Yes", "Normal", "sharp, burning")."""
    if value is None:
        return "Not recorded"
    if isinstance(value, list | tuple):
        return ", ".join(spec.choice_label(item) for item in value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(spec.choice_label(value))


@dataclass(frozen=True)
class RescreenRow:
    name: str
    label: str
    last: str
    now: str
    change: str
    worse: bool = False


def _flag_change(before: object, now: object) -> tuple[str, bool]:
    if now is None:
        return "Not asked this time", False
    if now is True:
        return ("Still present", False) if before is True else ("New since the last visit", True)
    if before is True:
        return "Gone", False
    if before is None:
        return "Not asked last visit", False
    return "Unchanged", False


def _neuro_change(before: object, now: object) -> tuple[str, bool]:
    if now not in _NEURO_SEVERITY:
        return "Not examined this time", False
    if before not in _NEURO_SEVERITY:
        return "Not examined last visit", False
    step = _NEURO_SEVERITY[now] - _NEURO_SEVERITY[before]
    if step > 0:
        return "Worse than the last visit", True
    return ("Better than the last visit", False) if step < 0 else ("Unchanged", False)


def rescreen_rows(
    last: Mapping[str, object] | None, now: Mapping[str, object]
) -> list[RescreenRow]:
    """One row per red-flag question and neurological finding, in form order."""
    last = last or {}
    rows = []
    for name in RESCREENED:
        before, current = last.get(name), now.get(name)
        if name == "neuro_exam":
            change, worse = _neuro_change(before, current)
        elif name == "neuro_deficit_progressing" and current is True:
            # A deficit still progressing has worsened again since the last visit.
            change, worse = _flag_change(before, current)[0], True
        else:
            change, worse = _flag_change(before, current)
        spec = FIELDS[name]
        rows.append(
            RescreenRow(
                name=name,
                label=spec.label,
                last=finding_text(spec, before),
                now=finding_text(spec, current),
                change=change,
                worse=worse,
            )
        )
    return rows


def rescreen_summary(rows: list[RescreenRow]) -> str:
    """One sentence: what is new or worse, or that nothing is."""
    worse = [row.label for row in rows if row.worse]
    still = [row.label for row in rows if row.change == "Still present" and not row.worse]
    if still:
        return _with_still(rescreen_summary([row for row in rows if row.label not in still]), still)
    if worse:
        return "New or worse since the last visit: " + "; ".join(worse) + "."
    neuro = next(row for row in rows if row.name == "neuro_exam")
    if neuro.change == "Unchanged":
        return "No new red flags, and the neurological examination is unchanged."
    if neuro.change.startswith("Better"):
        return "No new red flags, and the neurological examination is better."
    return (
        "No new red flags. The neurological examination cannot be compared: it was not "
        "done at both visits."
    )


def _with_still(summary: str, still: list[str]) -> str:
    return f"{summary} Still present from the last visit: {'; '.join(still)}."
