"""Loading the versioned rules file into typed, immutable rule objects.

The rules (weights, caps, thresholds, red flags) are data in `rules/v1_2.toml` (the default) and
`rules/v1_1.toml` (kept so decisions made under 1.1 can be shown as they were), written for a
clinician to read. This module turns that file into frozen objects and checks every field and
value it names against the intake schema, so a typo in an edited table fails at load time
instead of silently scoring nothing.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .schema import FIELDS, Kind, value_problem

HYPOTHESES: tuple[str, ...] = ("neural", "lumbar", "acute_strain")
"""The three musculoskeletal hypotheses, in the order used for tie-breaks and display."""

TIERS: tuple[str, ...] = ("emergency", "same_day", "urgent")
"""Red-flag tiers, most severe first. Rules 1.1 use only emergency and urgent (24 to 48 hours);
rules 1.2 (SPEC 3.9b-23) add same_day, and there urgent means within a week."""

BANDS: tuple[str, ...] = ("high", "moderate", "low")
"""Confidence bands, best first."""

RULES_DIR = Path(__file__).with_name("rules")
DEFAULT_RULES_PATH = RULES_DIR / "v1_2.toml"

Findings = Mapping[str, Any]


class RulesError(ValueError):
    """The rules file is malformed or names a field or value the schema does not know."""


@dataclass(frozen=True)
class Points:
    """Points for each hypothesis. Supports `+` and `-` so lines can be summed."""

    neural: int = 0
    lumbar: int = 0
    acute_strain: int = 0

    # Field by field rather than through tuples: the engine adds points some thousands of
    # times for one assessment page (each candidate next test is scored afresh).
    def __add__(self, other: Points) -> Points:
        return Points(
            self.neural + other.neural,
            self.lumbar + other.lumbar,
            self.acute_strain + other.acute_strain,
        )

    def __neg__(self) -> Points:
        return Points(-self.neural, -self.lumbar, -self.acute_strain)

    def __sub__(self, other: Points) -> Points:
        return Points(
            self.neural - other.neural,
            self.lumbar - other.lumbar,
            self.acute_strain - other.acute_strain,
        )

    def get(self, hypothesis: str) -> int:
        return int(getattr(self, hypothesis))

    def as_tuple(self) -> tuple[int, int, int]:
        return (self.neural, self.lumbar, self.acute_strain)

    def as_dict(self) -> dict[str, int]:
        return dict(zip(HYPOTHESES, self.as_tuple(), strict=True))

    @classmethod
    def only(cls, hypothesis: str, amount: int) -> Points:
        """Points for one hypothesis and none for the others."""
        return cls(**{hypothesis: amount})


NO_POINTS = Points()


@dataclass(frozen=True)
class Condition:
    """One test on the findings; see the header of the rules file for the vocabulary.

    A finding that was not recorded satisfies only `not_in`; every other test needs a value.
    """

    op: str
    field: str = ""
    operand: Any = None
    other: str = ""

    def holds(self, findings: Findings, facts: Mapping[str, Sequence[Condition]]) -> bool:
        if self.op == "fact":
            return any(condition.holds(findings, facts) for condition in facts[self.operand])
        if self.op == "count":
            needed, conditions = self.operand
            return sum(c.holds(findings, facts) for c in conditions) >= needed
        value = findings.get(self.field)
        if self.op == "not_in":
            return value is None or value not in self.operand
        if value is None:
            return False
        return _TESTS[self.op](self, value, findings)


def _holds_in(condition: Condition, value: Any, _findings: Findings) -> bool:
    if isinstance(value, list | tuple):
        return any(item in condition.operand for item in value)
    return value in condition.operand


def _holds_is(condition: Condition, value: Any, _findings: Findings) -> bool:
    return value is condition.operand


def _holds_exactly(condition: Condition, value: Any, _findings: Findings) -> bool:
    return frozenset(value) == condition.operand


def _holds_at_least(condition: Condition, value: Any, _findings: Findings) -> bool:
    return value >= condition.operand


def _holds_at_most(condition: Condition, value: Any, _findings: Findings) -> bool:
    return value <= condition.operand


def _holds_difference(condition: Condition, value: Any, findings: Findings) -> bool:
    other = findings.get(condition.other)
    return other is not None and abs(value - other) >= condition.operand


_TESTS = {
    "in": _holds_in,
    "is": _holds_is,
    "exactly": _holds_exactly,
    "at_least": _holds_at_least,
    "at_most": _holds_at_most,
    "differs_by_at_least": _holds_difference,
}


def any_holds(
    conditions: Sequence[Condition], findings: Findings, facts: Mapping[str, Sequence[Condition]]
) -> bool:
    return any(condition.holds(findings, facts) for condition in conditions)


def all_hold(
    conditions: Sequence[Condition], findings: Findings, facts: Mapping[str, Sequence[Condition]]
) -> bool:
    return all(condition.holds(findings, facts) for condition in conditions)


@dataclass(frozen=True)
class WeightRow:
    """One row of the weight table: when `any_of` holds (and `only_if_any`, if given)."""

    any_of: tuple[Condition, ...]
    points: Points
    text: str
    basis: str
    only_if_any: tuple[Condition, ...] = ()
    cap: str | None = None

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(condition.field for condition in self.any_of)


@dataclass(frozen=True)
class Cap:
    """The most a group of rows may add to each hypothesis it names."""

    name: str
    limits: Mapping[str, int]
    text: str


@dataclass(frozen=True)
class Reattribution:
    """Moves the positive `source` points of rows on `fields` to `target` when `when` holds."""

    when: Condition
    fields: tuple[str, ...]
    source: str
    target: str
    text: str


@dataclass(frozen=True)
class Derivation:
    """Fills a blank yes/no field from whether another multi-choice field lists any value."""

    field: str
    from_field: str
    any_of: frozenset[str]
    note: str


@dataclass(frozen=True)
class InfoRow:
    """A finding shown in the explanation with no points."""

    when: Condition
    text: str


@dataclass(frozen=True)
class FlagRule:
    """A red-flag (tier given) or amber (tier None) rule; every condition in `all_of` holds."""

    id: str
    tier: str | None
    concern: str
    all_of: tuple[Condition, ...]
    text: str
    unless: tuple[str, ...] = ()
    stronger_if_any: tuple[Condition, ...] = ()
    stronger_text: str = ""
    action: str = ""
    """Who should see the patient and when (rules 1.2); empty means the tier's action (1.1)."""


@dataclass(frozen=True)
class TendinopathyRule:
    all_of: tuple[Condition, ...]
    keeps_label_if_any: tuple[Condition, ...]
    note: str


@dataclass(frozen=True)
class MixedExaminationRule:
    pair: frozenset[str]
    min_margin: int
    max_margin: int
    neural_sign_any: tuple[Condition, ...]
    lumbar_sign_any: tuple[Condition, ...]
    retest_done_any: tuple[Condition, ...]


@dataclass(frozen=True)
class Band:
    name: str
    min_margin: int
    min_top_score: int


@dataclass(frozen=True)
class DecisionRules:
    min_top_score: int
    min_margin: int
    indeterminate_confidence: str
    red_flag_confidence: str
    bands: tuple[Band, ...]
    coverage_min_key_tests: int
    coverage_cap: str
    rule_out_cap: str
    rule_out_pairs: frozenset[tuple[str, str]]
    amber_drop: int


@dataclass(frozen=True)
class Rules:
    """A complete, validated rule set. Build it with `load_rules`."""

    version: str
    softmax_temperature: float
    decision: DecisionRules
    key_tests: Mapping[str, tuple[str, ...]]
    next_test_candidates: tuple[str, ...]
    next_test_count: int
    next_test_gates: Mapping[str, tuple[Condition, ...]]
    facts: Mapping[str, tuple[Condition, ...]]
    derivations: tuple[Derivation, ...]
    weights: tuple[WeightRow, ...]
    caps: Mapping[str, Cap]
    reattribution: Reattribution
    informative: tuple[InfoRow, ...]
    tendinopathy: TendinopathyRule
    mixed_examination: MixedExaminationRule
    tier_actions: Mapping[str, str]
    red_flags: tuple[FlagRule, ...]
    amber_flags: tuple[FlagRule, ...]

    @functools.cached_property
    def weight_fields(self) -> tuple[frozenset[str], ...]:
        """For each weight row, every finding its conditions read (through facts and counts,
        `only_if_any` included): a row whose fields did not change matches as it did."""
        return tuple(
            frozenset().union(
                *(_fields_read(c, self.facts) for c in (*row.any_of, *row.only_if_any))
            )
            for row in self.weights
        )

    def changed_with(self, name: str) -> frozenset[str]:
        """`name` and every field derived from it, directly or through another derived one."""
        changed = {name}
        grown = True
        while grown:
            grown = False
            for derivation in self.derivations:
                if derivation.from_field in changed and derivation.field not in changed:
                    changed.add(derivation.field)
                    grown = True
        return frozenset(changed)


def _fields_read(condition: Condition, facts: Mapping[str, Sequence[Condition]]) -> frozenset[str]:
    if condition.op == "fact":
        return frozenset().union(*(_fields_read(c, facts) for c in facts[condition.operand]))
    if condition.op == "count":
        return frozenset().union(*(_fields_read(c, facts) for c in condition.operand[1]))
    return frozenset(name for name in (condition.field, condition.other) if name)


def load_rules(path: Path | str | None = None) -> Rules:
    """Read and validate a rules file; the default (version 1.2) is read once and cached."""
    if path is None:
        return _default_rules()
    return _read(Path(path))


def rules_for_version(version: str | None) -> Rules:
    """The rules a result was made with, e.g. "1.1"; the default for an unknown version."""
    path = RULES_DIR / f"v{(version or '').replace('.', '_')}.toml"
    if not version or not path.is_file():
        return _default_rules()
    return _cached(path)


@functools.cache
def _cached(path: Path) -> Rules:
    return _read(path)


@functools.cache
def _default_rules() -> Rules:
    return _read(DEFAULT_RULES_PATH)


def _read(path: Path) -> Rules:
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    try:
        rules = _build(data)
    except (KeyError, TypeError) as exc:
        raise RulesError(f"{path.name}: missing or malformed entry {exc}") from exc
    _check_references(rules)
    return rules


# --- building -----------------------------------------------------------------------------

_MATCHERS = ("in", "not_in", "is", "exactly", "at_least", "at_most", "differs_by_at_least")


def _condition(raw: Mapping[str, Any]) -> Condition:
    if "fact" in raw:
        return Condition("fact", operand=raw["fact"])
    if "count_at_least" in raw:
        conditions = _conditions(raw["of"])
        if not 1 <= raw["count_at_least"] <= len(conditions):
            raise RulesError("count_at_least must be between 1 and the number of conditions")
        return Condition("count", operand=(raw["count_at_least"], conditions))
    field = raw["field"]
    ops = [op for op in _MATCHERS if op in raw]
    if len(ops) != 1:
        raise RulesError(f"condition on {field!r} needs exactly one of {', '.join(_MATCHERS)}")
    op = ops[0]
    operand = raw[op]
    if op in ("in", "not_in", "exactly"):
        operand = frozenset(operand)
    return Condition(op, field, operand, raw.get("other", ""))


def _conditions(raw: Sequence[Mapping[str, Any]]) -> tuple[Condition, ...]:
    return tuple(_condition(item) for item in raw)


def _points(raw: Mapping[str, int]) -> Points:
    unknown = set(raw) - set(HYPOTHESES)
    if unknown:
        raise RulesError(f"unknown hypothesis in points: {sorted(unknown)}")
    return Points(**raw)


def _weight_row(raw: Mapping[str, Any]) -> WeightRow:
    any_of = _conditions(raw["any_of"]) if "any_of" in raw else (_condition(raw),)
    return WeightRow(
        any_of=any_of,
        points=_points(raw["points"]),
        text=raw["text"],
        basis=raw["basis"],
        only_if_any=_conditions(raw.get("only_if_any", ())),
        cap=raw.get("cap"),
    )


def _flag_rule(raw: Mapping[str, Any], tier: str | None) -> FlagRule:
    return FlagRule(
        id=raw["id"],
        tier=tier,
        concern=raw.get("concern", raw["id"]),
        all_of=_conditions(raw["all"]),
        text=raw["text"],
        unless=tuple(raw.get("unless", ())),
        stronger_if_any=_conditions(raw.get("stronger_if_any", ())),
        stronger_text=raw.get("stronger_text", ""),
        action=raw.get("action", ""),
    )


def _decision(raw: Mapping[str, Any]) -> DecisionRules:
    return DecisionRules(
        min_top_score=raw["min_top_score"],
        min_margin=raw["min_margin"],
        indeterminate_confidence=raw["indeterminate_confidence"],
        red_flag_confidence=raw["red_flag_confidence"],
        bands=tuple(Band(b["name"], b["min_margin"], b["min_top_score"]) for b in raw["bands"]),
        coverage_min_key_tests=raw["coverage_min_key_tests"],
        coverage_cap=raw["coverage_cap"],
        rule_out_cap=raw["rule_out_cap"],
        rule_out_pairs=frozenset(tuple(pair) for pair in raw["rule_out_pairs"]),
        amber_drop=raw["amber_drop"],
    )


def _build(data: Mapping[str, Any]) -> Rules:
    reattribution = data["reattribution"]
    tendinopathy = data["tendinopathy"]
    mixed = data["mixed_examination"]
    return Rules(
        version=str(data["rules_version"]),
        softmax_temperature=float(data["softmax_temperature"]),
        decision=_decision(data["decision"]),
        key_tests={name: tuple(tests) for name, tests in data["key_tests"].items()},
        next_test_candidates=tuple(data["next_tests"]["candidates"]),
        next_test_count=data["next_tests"]["count"],
        next_test_gates={
            name: _conditions(raw)
            for name, raw in data["next_tests"].get("only_if_any", {}).items()
        },
        facts={name: _conditions(raw) for name, raw in data["facts"].items()},
        derivations=tuple(
            Derivation(d["field"], d["from_field"], frozenset(d["any_of"]), d["note"])
            for d in data["derived"]
        ),
        weights=tuple(_weight_row(row) for row in data["weights"]),
        caps={
            name: Cap(name, {h: raw[h] for h in HYPOTHESES if h in raw}, raw["text"])
            for name, raw in data["caps"].items()
        },
        reattribution=Reattribution(
            when=_condition(reattribution["when"]),
            fields=tuple(reattribution["fields"]),
            source=reattribution["source"],
            target=reattribution["target"],
            text=reattribution["text"],
        ),
        informative=tuple(InfoRow(_condition(r["when"]), r["text"]) for r in data["informative"]),
        tendinopathy=TendinopathyRule(
            all_of=_conditions(tendinopathy["all"]),
            keeps_label_if_any=_conditions(tendinopathy["keeps_label_if_any"]),
            note=tendinopathy["note"],
        ),
        mixed_examination=MixedExaminationRule(
            pair=frozenset(mixed["pair"]),
            min_margin=mixed["min_margin"],
            max_margin=mixed["max_margin"],
            neural_sign_any=_conditions(mixed["neural_sign_any"]),
            lumbar_sign_any=_conditions(mixed["lumbar_sign_any"]),
            retest_done_any=_conditions(mixed["retest_done_any"]),
        ),
        tier_actions=dict(data.get("tier_actions", {})),
        red_flags=tuple(_flag_rule(raw, raw["tier"]) for raw in data["red_flags"]),
        amber_flags=tuple(_flag_rule(raw, None) for raw in data["amber_flags"]),
    )


# --- checking references against the schema --------------------------------------------------


def _all_conditions(rules: Rules) -> list[Condition]:
    found: list[Condition] = [rules.reattribution.when]
    for row in rules.weights:
        found += [*row.any_of, *row.only_if_any]
    for flag in (*rules.red_flags, *rules.amber_flags):
        found += [*flag.all_of, *flag.stronger_if_any]
    mixed = rules.mixed_examination
    found += [*mixed.neural_sign_any, *mixed.lumbar_sign_any, *mixed.retest_done_any]
    found += [*rules.tendinopathy.all_of, *rules.tendinopathy.keeps_label_if_any]
    found += [info.when for info in rules.informative]
    for group in (*rules.facts.values(), *rules.next_test_gates.values()):
        found += list(group)
    return found


def _check_condition(condition: Condition, facts: Mapping[str, object]) -> None:
    if condition.op == "count":
        for inner in condition.operand[1]:
            _check_condition(inner, facts)
        return
    if condition.op == "fact":
        if condition.operand not in facts:
            raise RulesError(f"unknown fact {condition.operand!r}")
        return
    spec = FIELDS.get(condition.field)
    if spec is None or (condition.other and condition.other not in FIELDS):
        raise RulesError(f"condition names an unknown field: {condition.field!r}")
    if condition.op in ("in", "not_in", "exactly"):
        bad = [v for v in condition.operand if v not in spec.values]
        if bad:
            raise RulesError(f"{condition.field}: values {bad} are not in the schema")
    elif condition.op == "is" and spec.kind is not Kind.BOOL:
        raise RulesError(f"{condition.field}: `is` is for yes/no fields only")
    elif condition.op in ("at_least", "at_most", "differs_by_at_least") and value_problem(
        spec, condition.operand
    ):
        raise RulesError(f"{condition.field}: threshold {condition.operand!r} is out of range")


def _check_field_names(rules: Rules) -> None:
    named = [
        *rules.next_test_candidates,
        *rules.next_test_gates,
        *rules.reattribution.fields,
        *(test for tests in rules.key_tests.values() for test in tests),
        *(name for d in rules.derivations for name in (d.field, d.from_field)),
    ]
    unknown = sorted({name for name in named if name not in FIELDS})
    if unknown:
        raise RulesError(f"rules name unknown fields: {unknown}")
    if set(rules.key_tests) != set(HYPOTHESES):
        raise RulesError("key_tests must list tests for exactly the three hypotheses")


def _check_flags(rules: Rules) -> None:
    red_ids = {flag.id for flag in rules.red_flags}
    if not set(rules.tier_actions) <= set(TIERS):
        raise RulesError(f"tier_actions may describe only the tiers {TIERS}")
    for flag in rules.red_flags:
        if flag.tier not in TIERS:
            raise RulesError(f"red flag {flag.id!r}: tier must be one of {TIERS}")
        if not flag.action and flag.tier not in rules.tier_actions:
            raise RulesError(f"red flag {flag.id!r}: needs an action (who and when)")
    for flag in (*rules.red_flags, *rules.amber_flags):
        missing = set(flag.unless) - red_ids
        if missing:
            raise RulesError(f"flag {flag.id!r}: `unless` names unknown rules {sorted(missing)}")


def _check_references(rules: Rules) -> None:
    for condition in _all_conditions(rules):
        _check_condition(condition, rules.facts)
    _check_field_names(rules)
    _check_flags(rules)
    for row in rules.weights:
        if row.cap is not None and row.cap not in rules.caps:
            raise RulesError(f"weight row {row.text!r} names unknown cap {row.cap!r}")
    names = {band.name for band in rules.decision.bands}
    if names != set(BANDS):
        raise RulesError(f"decision bands must be exactly {BANDS}")
