"""Small pieces for drawing HTML in Python (the hot pages' rows and cards drawn in one step).

`escape` is `django.utils.html.conditional_escape` without its lazy-string wrapper (a card of
twenty values paid it twenty times). Dates, times and numbers in such rows: `clinic.filters`.
"""

from __future__ import annotations

import html


def escape(value) -> str:
    """What `conditional_escape(value)` returns: safe HTML as it is, anything else as text."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))
