"""How to read a change in a measure between two visits (SPEC section 5): the one place that
says what counts as a real change. Every page and app that shows a change calls
`change_reading`; none keeps thresholds of its own.

A change smaller than a measure's threshold (10 degrees for the SLR angles and the slump
knee-extension deficit, about the size of measurement error; the MCID for outcome measures) is
"No real change". A larger one is "Improved" or "Worse", by the measure's direction. A measure
with no agreed threshold says only which way it moved, and that nobody has agreed how much
matters. Plain data and pure functions.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

HIGHER, LOWER = "higher", "lower"

IMPROVED = "Improved"
WORSE = "Worse"
NO_REAL_CHANGE = "No real change"
NO_CHANGE = "No change"
HIGHER_NO_THRESHOLD = "Higher, no agreed threshold"
LOWER_NO_THRESHOLD = "Lower, no agreed threshold"

#: Angles: a change under this many degrees is within measurement error (SPEC 5).
ANGLE_THRESHOLD_DEG = 10
#: SLR: a difference between the sides of this many degrees or more is notable (SPEC 5).
SLR_SIDE_DIFFERENCE_DEG = 10
#: GROC (-7 to +7, a rating of change itself): +3 or more is meaningful (SPEC 5).
GROC_MEANINGFUL = 3


@dataclass(frozen=True)
class Measure:
    """`better` says which direction is improvement (None: neither, e.g. a neuropathic
    screen); `threshold` is the smallest change that is real, where one is agreed."""

    better: str | None
    threshold: Decimal | None = None
    unit: str = ""


def _threshold(value: int | str) -> Decimal:
    return Decimal(str(value))


MEASURES: dict[str, Measure] = {
    "nprs_now": Measure(LOWER, _threshold(2)),
    "nprs_worst_week": Measure(LOWER, _threshold(2)),
    "lefs_score": Measure(HIGHER, _threshold(9)),
    "odi_percent": Measure(LOWER, _threshold(10)),
    "psfs_mean": Measure(HIGHER, _threshold(2)),
    "fash_score": Measure(HIGHER),
    "slanss_score": Measure(None),
    "paindetect_score": Measure(None),
    "slump_knee_ext_deficit_deg": Measure(LOWER, _threshold(ANGLE_THRESHOLD_DEG), "°"),
    "slr_angle_affected_deg": Measure(HIGHER, _threshold(ANGLE_THRESHOLD_DEG), "°"),
    "slr_angle_other_deg": Measure(HIGHER, _threshold(ANGLE_THRESHOLD_DEG), "°"),
    # Strength of the affected side as % of the other: no agreed change threshold.
    "knee_flexion_strength_pct": Measure(HIGHER),
}


def _decimal(value: float | int | Decimal) -> Decimal:
    # Through str, so 6.3 - 4.3 is exactly 2 (a float subtraction gives 1.9999...).
    return value if isinstance(value, Decimal) else Decimal(str(value))


def change_reading(
    name: str, before: float | int | Decimal | None, now: float | int | Decimal | None
) -> str:
    """A short verdict on the change from `before` to `now` (SPEC 5): "Improved", "Worse" or
    "No real change" for a measure with an agreed threshold; "Higher, no agreed threshold",
    "Lower, no agreed threshold" or "No change" for one without. Empty when either value is
    missing or the measure is unknown (nothing to read)."""
    measure = MEASURES.get(name)
    if measure is None or before is None or now is None:
        return ""
    change = _decimal(now) - _decimal(before)
    if measure.threshold is None or measure.better is None:
        if change == 0:
            return NO_CHANGE
        return HIGHER_NO_THRESHOLD if change > 0 else LOWER_NO_THRESHOLD
    if abs(change) < measure.threshold:
        return NO_REAL_CHANGE
    improvement = change if measure.better == HIGHER else -change
    return IMPROVED if improvement > 0 else WORSE


def slr_side_difference(affected: int | None, other: int | None) -> str:
    """The SLR angle of the affected side against the other side (SPEC 5: a difference of
    10 degrees or more is notable), e.g. "15° less than the other side: notable". Empty when
    either side is missing."""
    if affected is None or other is None:
        return ""
    difference = int(other) - int(affected)
    if difference == 0:
        return "Same as the other side"
    side = "less" if difference > 0 else "more"
    weight = "notable" if abs(difference) >= SLR_SIDE_DIFFERENCE_DEG else "within 10°"
    return f"{abs(difference)}° {side} than the other side: {weight}"


def slr_side_difference_is_notable(affected: int | None, other: int | None) -> bool:
    """Whether the sides differ by 10 degrees or more (False when either is missing)."""
    if affected is None or other is None:
        return False
    return abs(int(other) - int(affected)) >= SLR_SIDE_DIFFERENCE_DEG


def groc_reading(score: int | None) -> str:
    """A GROC rating (-7 to +7, the patient's own rating of change): +3 or more "Improved",
    -3 or less "Worse", anything between "No real change". Empty when not recorded."""
    if score is None:
        return ""
    if score >= GROC_MEANINGFUL:
        return IMPROVED
    if score <= -GROC_MEANINGFUL:
        return WORSE
    return NO_REAL_CHANGE
