"""Which library exercises to suggest for a confirmed diagnosis: pure Python, no ORM.

The therapist always edits the suggestion before publishing it; this only saves typing. Rules:

* neural: early-phase nerve exercises, sliders before tensioners (tensioners only come in once
  sliders cause no symptoms, so an early suggestion is in practice all sliders);
* lumbar: early-phase spinal exercises that need the recorded directional preference first,
  then ones that need no particular direction; never one that needs a different direction;
* acute strain: early loading;
* mixed neural and lumbar: two sliders, then the lumbar picks;
* red-flag referral or other: no home plan is suggested.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

MAX_ITEMS = 5
DX_LABELS = {
    "neural": "neural tissue sensitivity",
    "lumbar": "referred from the lumbar spine",
    "acute_strain": "acute hamstring strain",
    "mixed_neural_lumbar": "mixed neural and lumbar",
    "red_flag_referral": "red flag, referred on",
    "other": "another cause",
}
MIXED_NEURAL_ITEMS = 2


class LibraryExercise(Protocol):
    code: str
    tags: list[str]
    phases: list[str]
    kind: str
    directional_preference: str


def _early(exercises: Iterable[LibraryExercise], tag: str) -> list[LibraryExercise]:
    return sorted(
        (ex for ex in exercises if tag in ex.tags and "early" in ex.phases),
        key=lambda ex: ex.code,
    )


def _neural(exercises: Sequence[LibraryExercise]) -> list[LibraryExercise]:
    kind_order = {"slider": 0, "tensioner": 2}
    return sorted(_early(exercises, "neural"), key=lambda ex: kind_order.get(ex.kind, 1))


def _lumbar(exercises: Sequence[LibraryExercise], preference: str) -> list[LibraryExercise]:
    preference = "" if preference in ("", "none", None) else preference
    candidates = _early(exercises, "lumbar")
    matching = [ex for ex in candidates if preference and ex.directional_preference == preference]
    neutral = [ex for ex in candidates if not ex.directional_preference]
    # Exercises whose own tag is lumbar come before those that merely share the tag.
    neutral.sort(key=lambda ex: (ex.tags[0] != "lumbar", ex.code))
    return matching + neutral


def suggest_plan_items(
    *,
    final_dx: str,
    directional_preference: str | None,
    exercises: Sequence[LibraryExercise],
) -> list[LibraryExercise]:
    """Up to five exercises, in the order they should appear; empty when none is suitable."""
    if final_dx == "neural":
        picked = _neural(exercises)
    elif final_dx == "lumbar":
        picked = _lumbar(exercises, directional_preference or "")
    elif final_dx == "acute_strain":
        picked = _early(exercises, "acute_strain")
    elif final_dx == "mixed_neural_lumbar":
        neural = [ex for ex in _neural(exercises) if ex.kind == "slider"][:MIXED_NEURAL_ITEMS]
        picked = neural + [
            ex for ex in _lumbar(exercises, directional_preference or "") if ex not in neural
        ]
    else:
        return []
    return picked[:MAX_ITEMS]
