"""The intake findings contract (SPEC section 2): its types, and the loader of its data.

Every finding the engine reads is declared once, in the data file `fields/v1.toml`: its exact
name, its kind, the values it may take (in SPEC order), numeric bounds, who records it and which
intake group it belongs to, plus a short clinician-facing label and help text. This module loads
that file and checks it when imported, so a bad entry stops the site with a message naming it.
The model and form layer iterates `FIELDS` to build its fields; the engine and the `diagnose`
command call `validate_findings`.

`None` (or an absent key) always means "not recorded". It is a state of its own and is never
read as "no" or "negative" anywhere in the engine.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

Choices = tuple[tuple[str, str], ...]


class Kind(StrEnum):
    """How a field's value is shaped."""

    INT = "int"
    NUMBER = "number"  # int or float, for averaged scores such as the PSFS mean
    ENUM = "enum"
    MULTI_ENUM = "multi_enum"
    BOOL = "bool"
    TEXT = "text"


class Group(StrEnum):
    """The intake section a field belongs to, in the order the form presents them."""

    CONTEXT = "context"
    HISTORY = "history"
    SYMPTOMS = "symptoms"
    RUNNING = "running"
    TESTS = "tests"
    RED_FLAGS = "red_flags"
    OUTCOMES = "outcomes"
    DECISION = "decision"  # clinician's audit fields; never a finding


class FilledBy(StrEnum):
    """Who records the field: the patient's questionnaire, the clinician, or either."""

    PATIENT = "P"
    CLINICIAN = "C"
    EITHER = "P/C"


@dataclass(frozen=True)
class FieldSpec:
    """One intake field. `choices` are `(value, label)` pairs, ready for `TextChoices`."""

    name: str
    kind: Kind
    group: Group
    filled_by: FilledBy
    label: str
    help_text: str = ""
    choices: Choices = ()
    min_value: int | None = None
    max_value: int | None = None
    decimal_places: int | None = None  # only for Kind.NUMBER

    @property
    def values(self) -> tuple[str, ...]:
        """The allowed stored values, in SPEC order (empty unless an enum)."""
        return tuple(value for value, _ in self.choices)

    def choice_label(self, value: object) -> str:
        """The human label of an enum value, or the value itself as text."""
        return dict(self.choices).get(value, str(value)) if isinstance(value, str) else str(value)


@dataclass(frozen=True)
class FieldError:
    """A problem with one field of one findings mapping."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


# --- value sets shared by several fields -------------------------------------------------

# --- the catalogue, loaded from data ------------------------------------------------------

FIELDS_DIR = Path(__file__).resolve().parent / "fields"
FIELDS_PATH = FIELDS_DIR / "v1.toml"


class CatalogueError(ValueError):
    """The field catalogue file is malformed; the message names the file and the entry."""


_REQUIRED = {"name", "kind", "group", "filled_by", "label"}
_OPTIONAL = {"help", "choices", "choices_from", "min", "max", "decimal_places"}
_TOP_LEVEL = {"version", "choice_sets", "fields", "decision_fields"}


def load_catalogue(
    path: Path | str = FIELDS_PATH,
) -> tuple[dict[str, FieldSpec], dict[str, FieldSpec]]:
    """Read and check a field catalogue: `(findings, decision fields)`, each keyed by name in
    file order. Raises `CatalogueError` naming the first bad entry."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise CatalogueError(f"{path.name}: cannot be read: {error}") from error
    where = path.name
    unknown = set(data) - _TOP_LEVEL
    if unknown:
        raise CatalogueError(f"{where}: unknown top-level key(s) {', '.join(sorted(unknown))}")
    expected_version = path.stem.removeprefix("v").replace("_", ".")
    if data.get("version") != expected_version:
        raise CatalogueError(
            f"{where}: version must be {expected_version!r} (the file name), "
            f"got {data.get('version')!r}"
        )
    choice_sets = {
        name: _choices(entries, f"{where}, choice set {name!r}")
        for name, entries in data.get("choice_sets", {}).items()
    }
    seen: set[str] = set()
    findings = _specs(data, "fields", where, choice_sets, seen, decision=False)
    decision = _specs(data, "decision_fields", where, choice_sets, seen, decision=True)
    if not findings:
        raise CatalogueError(f"{where}: lists no [[fields]]")
    return findings, decision


def _specs(
    data: dict, table: str, where: str, choice_sets: dict, seen: set[str], *, decision: bool
) -> dict[str, FieldSpec]:
    specs = {}
    entries = data.get(table, [])
    if not isinstance(entries, list):
        raise CatalogueError(f"{where}: {table} must be a list of [[{table}]] tables")
    for number, entry in enumerate(entries, start=1):
        name = entry.get("name") if isinstance(entry, dict) else None
        label = f"{where}, [[{table}]] entry {number}" + (f" ({name!r})" if name else "")
        spec = _spec(entry, label, choice_sets)
        if spec.name in seen:
            raise CatalogueError(f"{label}: the name is used twice")
        if (spec.group is Group.DECISION) is not decision:
            wanted = "decision" if decision else "an intake group, not decision"
            raise CatalogueError(f"{label}: group must be {wanted}")
        seen.add(spec.name)
        specs[spec.name] = spec
    return specs


def _spec(entry: object, where: str, choice_sets: dict[str, Choices]) -> FieldSpec:
    if not isinstance(entry, dict):
        raise CatalogueError(f"{where}: must be a table")
    missing = _REQUIRED - set(entry)
    if missing:
        raise CatalogueError(f"{where}: missing {', '.join(sorted(missing))}")
    unknown = set(entry) - _REQUIRED - _OPTIONAL
    if unknown:
        raise CatalogueError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    for key in ("name", "label", "help"):
        if key in entry and not isinstance(entry[key], str):
            raise CatalogueError(f"{where}: {key} must be text")
    if not entry["name"].isidentifier() or entry["name"] != entry["name"].lower():
        raise CatalogueError(f"{where}: name must be a lower-case Python identifier")
    if not entry["label"].strip():
        raise CatalogueError(f"{where}: label must not be empty")
    kind = _member(Kind, entry["kind"], "kind", where)
    group = _member(Group, entry["group"], "group", where)
    filled_by = _member(FilledBy, entry["filled_by"], "filled_by", where)
    choices = _entry_choices(entry, kind, where, choice_sets)
    low, high = _range(entry, kind, where)
    places = entry.get("decimal_places")
    if places is not None and (
        kind is not Kind.NUMBER or isinstance(places, bool) or not isinstance(places, int)
    ):
        raise CatalogueError(f"{where}: decimal_places is a whole number, for a number only")
    if places is not None and not 0 <= places <= 6:
        raise CatalogueError(f"{where}: decimal_places must be between 0 and 6")
    return FieldSpec(
        name=entry["name"],
        kind=kind,
        group=group,
        filled_by=filled_by,
        label=entry["label"],
        help_text=entry.get("help", ""),
        choices=choices,
        min_value=low,
        max_value=high,
        decimal_places=places,
    )


def _member(enum: type[StrEnum], value: object, key: str, where: str):
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise CatalogueError(f"{where}: {key} {value!r} is not one of {allowed}") from None


def _entry_choices(entry: dict, kind: Kind, where: str, choice_sets: dict) -> Choices:
    is_enum = kind in (Kind.ENUM, Kind.MULTI_ENUM)
    if "choices" in entry and "choices_from" in entry:
        raise CatalogueError(f"{where}: give choices or choices_from, not both")
    if not is_enum:
        if "choices" in entry or "choices_from" in entry:
            raise CatalogueError(f"{where}: only enum and multi_enum fields have choices")
        return ()
    if "choices_from" in entry:
        if entry["choices_from"] not in choice_sets:
            raise CatalogueError(
                f"{where}: choices_from {entry['choices_from']!r} is not in [choice_sets]"
            )
        return choice_sets[entry["choices_from"]]
    if "choices" not in entry:
        raise CatalogueError(f"{where}: an {kind.value} field needs choices")
    return _choices(entry["choices"], where)


def _choices(entries: object, where: str) -> Choices:
    if not isinstance(entries, list) or not entries:
        raise CatalogueError(f"{where}: choices must be a non-empty list of [value, label] pairs")
    pairs = []
    for pair in entries:
        if (
            not isinstance(pair, list)
            or len(pair) != 2
            or not all(isinstance(part, str) and part.strip() for part in pair)
        ):
            raise CatalogueError(f"{where}: choice {pair!r} is not a [value, label] pair of text")
        pairs.append((pair[0], pair[1]))
    values = [value for value, _ in pairs]
    if len(set(values)) != len(values):
        raise CatalogueError(f"{where}: a choice value is listed twice")
    return tuple(pairs)


def _range(entry: dict, kind: Kind, where: str) -> tuple[int | None, int | None]:
    low, high = entry.get("min"), entry.get("max")
    if low is None and high is None:
        return None, None
    if kind not in (Kind.INT, Kind.NUMBER):
        raise CatalogueError(f"{where}: only int and number fields have min and max")
    for key, bound in (("min", low), ("max", high)):
        if bound is not None and (isinstance(bound, bool) or not isinstance(bound, int)):
            raise CatalogueError(f"{where}: {key} must be a whole number, got {bound!r}")
    if low is not None and high is not None and low > high:
        raise CatalogueError(f"{where}: min {low} is above max {high}")
    return low, high


FIELDS, DECISION_FIELDS = load_catalogue()
"""`FIELDS`: every finding, keyed by its SPEC name, in SPEC order. `DECISION_FIELDS`: the
clinician's audit fields (SPEC 2.8); they are not findings and the engine ignores them."""

FINAL_DX_CHOICES: Choices = DECISION_FIELDS["clinician_final_dx"].choices
"""The clinician's final diagnosis (SPEC 2.8), as `(value, label)` pairs."""


def fields_in_group(group: Group) -> Iterator[FieldSpec]:
    """The findings of one intake group, in SPEC order."""
    return (spec for spec in FIELDS.values() if spec.group is group)


def validate_findings(findings: Mapping[str, object]) -> list[FieldError]:
    """Every problem in a findings mapping, one error per bad field, in the mapping's order.

    Reports unknown field names and values of the wrong type, outside the allowed set or
    outside the numeric range. `None` means not recorded and is always accepted.
    """
    errors = []
    for name, value in findings.items():
        spec = FIELDS.get(name) if isinstance(name, str) else None
        if spec is None:
            errors.append(FieldError(str(name), "is not a known finding"))
            continue
        message = None if value is None else value_problem(spec, value)
        if message:
            errors.append(FieldError(name, message))
    return errors


def value_problem(spec: FieldSpec, value: object) -> str | None:
    """Why `value` is not acceptable for `spec`, or None when it is."""
    return _CHECKS[spec.kind](spec, value)


def _check_int(spec: FieldSpec, value: object) -> str | None:
    # bool is a subclass of int in Python; a tick box must never pass as a number
    if isinstance(value, bool) or not isinstance(value, int):
        return f"must be a whole number, got {value!r}"
    return _range_problem(spec, value)


def _check_number(spec: FieldSpec, value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return f"must be a number, got {value!r}"
    return _range_problem(spec, value)


def _range_problem(spec: FieldSpec, value: float) -> str | None:
    too_low = spec.min_value is not None and value < spec.min_value
    too_high = spec.max_value is not None and value > spec.max_value
    if too_low or too_high:
        low = "" if spec.min_value is None else spec.min_value
        high = "" if spec.max_value is None else spec.max_value
        return f"{value!r} is outside the allowed range {low}..{high}"
    return None


def _check_enum(spec: FieldSpec, value: object) -> str | None:
    if not isinstance(value, str) or value not in spec.values:
        return f"{value!r} is not one of {', '.join(spec.values)}"
    return None


def _check_multi_enum(spec: FieldSpec, value: object) -> str | None:
    if not isinstance(value, list | tuple):
        return f"must be a list of values from {', '.join(spec.values)}, got {value!r}"
    unknown = [item for item in value if not isinstance(item, str) or item not in spec.values]
    if unknown:
        return f"{', '.join(map(repr, unknown))} not among {', '.join(spec.values)}"
    if len(set(value)) != len(value):
        return "lists the same value more than once"
    return None


def _check_bool(spec: FieldSpec, value: object) -> str | None:
    if not isinstance(value, bool):
        return f"must be true or false, got {value!r}"
    return None


def _check_text(spec: FieldSpec, value: object) -> str | None:
    if not isinstance(value, str):
        return f"must be text, got {value!r}"
    return None


_CHECKS = {
    Kind.INT: _check_int,
    Kind.NUMBER: _check_number,
    Kind.ENUM: _check_enum,
    Kind.MULTI_ENUM: _check_multi_enum,
    Kind.BOOL: _check_bool,
    Kind.TEXT: _check_text,
}
