"""How to read a change in an outcome measure between intake and follow-up (SPEC section 5).

`better` says which direction is improvement; `mcid` is the smallest change that matters to
patients, where the SPEC gives one. Plain data and one pure function.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

HIGHER, LOWER = "higher", "lower"


@dataclass(frozen=True)
class Measure:
    better: str
    mcid: float | None = None


MEASURES: dict[str, Measure] = {
    "nprs_now": Measure(LOWER, 2),
    "nprs_worst_week": Measure(LOWER, 2),
    "lefs_score": Measure(HIGHER, 9),
    "odi_percent": Measure(LOWER, 10),
    "psfs_mean": Measure(HIGHER, 2),
    "fash_score": Measure(HIGHER),
    "slanss_score": Measure(LOWER),
    "paindetect_score": Measure(LOWER),
    "slump_knee_ext_deficit_deg": Measure(LOWER),
    "slr_angle_affected_deg": Measure(HIGHER),
}


def change_reading(name: str, before: float | Decimal | None, now: float | Decimal | None) -> str:
    """A short verdict on the change from `before` to `now`; empty when either is missing."""
    measure = MEASURES.get(name)
    if measure is None or before is None or now is None:
        return ""
    change = float(now) - float(before)
    improvement = change if measure.better == HIGHER else -change
    if measure.mcid is None:
        if improvement == 0:
            return "No change"
        return "Better" if improvement > 0 else "Worse"
    if abs(improvement) < measure.mcid:
        return "Less than a meaningful change"
    return "Meaningfully better" if improvement > 0 else "Meaningfully worse"
