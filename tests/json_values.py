"""Comparing decoded JSON as the standard decoder gives it (for tests of faster decoders)."""

from __future__ import annotations

import math


def same_json(a, b) -> bool:
    """Equal, of the same types all the way down, keys in the same order; NaN matches NaN and a
    float's sign (0.0 and -0.0) counts."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same_json(a[key], b[key]) for key in a)
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return a == b and (not isinstance(a, float) or math.copysign(1, a) == math.copysign(1, b))
