"""CSV files that a spreadsheet opens as data, never as formulas.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a line break is run as a formula by
Excel, LibreOffice and Google Sheets, so a patient called `=HYPERLINK(...)` could make the
manager's export fetch a web page or run a command. Following OWASP's advice, such a cell
gets a leading single quote (shown by spreadsheets as text) and every cell is quoted.

Every CSV the site produces is written through `writer()`; tests/security/test_injection.py
fails for a module that writes CSV any other way.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

# OWASP's list, and a line feed: some programs drop a leading line break and read what follows.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def cell(value: Any) -> str:
    """The value as text a spreadsheet will not evaluate. None is an empty cell."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class SafeWriter:
    """`csv.writer` whose every cell goes through `cell()`."""

    def __init__(self, stream, **options) -> None:
        self._writer = csv.writer(stream, quoting=csv.QUOTE_ALL, **options)

    def writerow(self, row: Iterable[Any]):
        return self._writer.writerow([cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(stream, **options) -> SafeWriter:
    """A CSV writer for `stream` (a file or an HttpResponse) that neutralises formulas."""
    return SafeWriter(stream, **options)
