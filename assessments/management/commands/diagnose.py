"""`python manage.py diagnose FILE`: run the diagnosis engine over a JSON list of findings.

FILE holds a JSON list of findings objects (SPEC section 2 field names), or is `-` to read
standard input. The output is a JSON list with one result per input, in the same order; each
result carries at least `label`, `tier`, `confidence`, `scores`, `reasons`, `notes`,
`next_tests` and `rules_version`. `tier` is null, or for a red flag the most urgent of
`emergency`, `same_day` and `urgent` (rules 1.2, SPEC 3.9b-23).

Any bad input (unreadable file, malformed JSON, not a list, an item that is not an object, an
unknown field or a value outside the allowed set) is reported on standard error, naming every
bad field with its position in the list, and the command exits with status 2 without printing
any result: a partial batch would be easy to mistake for a complete one.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from assessments.diagnosis import diagnose, validate_findings

INPUT_ERROR = 2


class Command(BaseCommand):
    help = "Suggest a differential diagnosis for each findings object in a JSON list."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="JSON file holding a list of findings, or - for stdin")

    def handle(self, *args: Any, **options: Any) -> None:
        batch = _parse(_read(options["file"]))
        _check(batch)
        results = [diagnose(findings).as_dict() for findings in batch]
        self.stdout.write(json.dumps(results, indent=2))


def _fail(message: str) -> CommandError:
    return CommandError(message, returncode=INPUT_ERROR)


def _read(path: str) -> str:
    if path == "-":
        return sys.stdin.read()
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except OSError as exc:
        raise _fail(f"cannot read {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise _fail(f"{path} is not UTF-8 text") from exc


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


def _parse(text: str) -> list[Any]:
    try:
        batch = json.loads(text, parse_constant=_reject_constant)
    except ValueError as exc:
        raise _fail(f"input is not valid JSON: {exc}") from exc
    if not isinstance(batch, list):
        raise _fail(f"input must be a JSON list of findings objects, got {type(batch).__name__}")
    return batch


def _check(batch: list[Any]) -> None:
    """Raise one error that lists every problem in the batch, item by item."""
    problems = []
    for index, item in enumerate(batch):
        if not isinstance(item, dict):
            problems.append(f"[{index}]: must be a findings object, got {type(item).__name__}")
            continue
        problems += [f"[{index}] {error}" for error in validate_findings(item)]
    if problems:
        count = len(problems)
        raise _fail(f"{count} invalid input(s):\n" + "\n".join(problems))
