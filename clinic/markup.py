"""Small pieces for drawing HTML in Python (the hot pages' rows and cards drawn in one step).

`escape` is `django.utils.html.conditional_escape` without its lazy-string wrapper (a card of
twenty values paid it twenty times). `html` and `html_join` are `format_html` and
`format_html_join` on the same footing: a patient page fills some hundred patterns, and each
call went through the lazy wrapper once and once more for every value. Dates, times and numbers
in such rows: `clinic.filters`.
"""

from __future__ import annotations

import html as _html
from collections.abc import Iterable

from django.utils.safestring import SafeString


def escape(value) -> str:
    """What `conditional_escape(value)` returns: safe HTML as it is, anything else as text."""
    if type(value) is str:  # most values: plain text, never marked safe
        return _escaped(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return _escaped(str(value))


def _escaped(text: str) -> str:
    """`html.escape(text)`, which makes five `replace` calls on every value; most values (names,
    dates, numbers) hold none of the five characters it replaces, and then it gives `text`
    itself, as this does after five scans without a call."""
    if "&" in text or "<" in text or ">" in text or '"' in text or "'" in text:
        return _html.escape(text)
    return text


def html(pattern: str, *values) -> SafeString:
    """What `format_html(pattern, *values)` returns: the pattern (trusted markup) with every
    `{}` filled by the next value, escaped."""
    return SafeString(pattern.format(*[escape(value) for value in values]))  # nosec B703 B308


def html_join(separator: str, pattern: str, rows: Iterable) -> SafeString:
    """What `format_html_join(separator, pattern, rows)` returns for rows of positional values:
    the pattern once per row, joined by the (escaped) separator."""
    return SafeString(  # nosec B703 B308 (every value escaped)
        escape(separator).join(pattern.format(*[escape(value) for value in row]) for row in rows)
    )
