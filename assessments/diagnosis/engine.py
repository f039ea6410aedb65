"""The differential-diagnosis engine (SPEC section 3, rules version 1.2 by default; 1.1 loadable).

`diagnose(findings)` takes a mapping of intake findings (SPEC section 2 names; `None` or absent
means not recorded) and returns a `DiagnosisResult` (result.py). It is a pure function of its
input and the rules file: no database, no request, no I/O beyond reading the rules once.

Order of evaluation, which callers may rely on:

1. Red-flag gate. Any red-flag rule (tier emergency, same_day or urgent) makes the label
   `red_flag`, whatever else is present; `tier` is the most urgent tier that fired, and each
   fired rule keeps its own action. Musculoskeletal scores are still computed, for information.
2. Feature points, caps (pain quality, running), and the test-treat-retest re-attribution.
3. Decision, first match wins: proximal hamstring tendinopathy; history only (no key test
   done); insufficient (top score below 6); mixed (margin below 3); mixed examination
   (3.9a-17); otherwise the leading hypothesis with a confidence band, then the coverage cap,
   the neural/lumbar rule-out cap and the amber drop, in that order.

Confidence is "high" for red-flag results (the gate is a rule, not a weighing of evidence) and
"low" for every indeterminate result.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .result import (
    HYPOTHESIS_NAMES,
    INDETERMINATE,
    RED_FLAG,
    DiagnosisResult,
    FlagHit,
    InvalidFindingsError,
    NextTest,
    Reason,
)
from .ruleset import (
    BANDS,
    HYPOTHESES,
    NO_POINTS,
    TIERS,
    Findings,
    FlagRule,
    Points,
    Rules,
    WeightRow,
    all_hold,
    any_holds,
    load_rules,
)
from .schema import FIELDS, Kind, validate_findings

_NOT_DONE = "not_done"


def diagnose(findings: Mapping[str, object], rules: Rules | None = None) -> DiagnosisResult:
    """Suggest a label for one set of findings.

    Raises `InvalidFindingsError` (naming every bad field) when the findings break the schema.
    """
    errors = validate_findings(findings)
    if errors:
        raise InvalidFindingsError(errors)
    rules = rules or load_rules()
    known = _recorded(findings)
    scores, reasons = score(known, rules)
    standing = _Standing.of(scores)
    red_flags, amber_flags = _flags(known, rules)
    if red_flags:
        verdict = _red_flag_verdict(red_flags, rules)
        next_tests: tuple[NextTest, ...] = ()
    else:
        next_tests = best_next_tests(known, standing, rules)
        verdict = _musculoskeletal_verdict(known, standing, bool(amber_flags), next_tests, rules)
    screened = known.get("red_flag_screen_completed") is True
    notes = [
        *verdict.flag_notes,
        *_screen_notes(screened, bool(red_flags)),
        *(_amber_note(hit) for hit in amber_flags),
        *verdict.notes,
        *_tendinopathy_notes(known, rules),
    ]
    return DiagnosisResult(
        label=verdict.label,
        tier=_worst_tier(red_flags),
        confidence=verdict.confidence,
        scores=scores,
        reasons=reasons,
        notes=tuple(notes),
        next_tests=tuple(test.test for test in next_tests),
        rules_version=rules.version,
        relative_support=relative_support(scores, rules.softmax_temperature),
        red_flags=red_flags,
        amber_flags=amber_flags,
        mixed=verdict.reason == "mixed",
        competing=verdict.competing,
        indeterminate_reason=verdict.reason,
        leading=standing.top if standing.margin > 0 else None,
        provisional=not screened,
        can_confirm=screened or bool(red_flags),
        summary=_summary(verdict),
        next_test_details=next_tests,
    )


def default_final_dx(result: DiagnosisResult) -> str:
    """The clinician's pre-selected final diagnosis for a result (SPEC 3.9a-18)."""
    if result.label == RED_FLAG:
        return "red_flag_referral"
    if result.label != INDETERMINATE:
        return result.label
    if result.mixed and set(result.competing) == {"neural", "lumbar"}:
        return "mixed_neural_lumbar"
    return "other"


# --- findings ---------------------------------------------------------------------------------


def _recorded(findings: Mapping[str, object]) -> dict[str, Any]:
    """The recorded findings only; lists become tuples so results stay immutable."""
    return {
        name: tuple(value) if isinstance(value, list) else value
        for name, value in findings.items()
        if value is not None
    }


def _with_derived(findings: Findings, rules: Rules) -> tuple[dict[str, Any], dict[str, str]]:
    """The findings with blank derivable fields filled in, and a note for each filled field."""
    known = dict(findings)
    notes = {}
    for derivation in rules.derivations:
        source = known.get(derivation.from_field)
        if derivation.field not in known and source is not None:
            known[derivation.field] = bool(derivation.any_of.intersection(source))
            notes[derivation.field] = derivation.note
    return known, notes


def is_done(test: str, findings: Findings) -> bool:
    """A test counts as done when recorded with any value other than not_done (3.9a-7)."""
    value = findings.get(test)
    return value is not None and value != _NOT_DONE


# --- scoring ----------------------------------------------------------------------------------


def score(findings: Findings, rules: Rules) -> tuple[Points, tuple[Reason, ...]]:
    """Total points and the explanation lines for recorded findings (no red-flag logic)."""
    findings, derived = _with_derived(findings, rules)
    matched = [
        (row, line) for row in rules.weights if (line := _row_line(row, findings, derived, rules))
    ]
    lines = _lines(matched, findings, rules)
    total = sum((line.points for line in lines), NO_POINTS)
    info = [
        Reason(row.when.field, findings[row.when.field], row.text, NO_POINTS, "info")
        for row in rules.informative
        if row.when.holds(findings, rules.facts)
    ]
    return total, tuple(lines + info)


def _lines(matched: Sequence[tuple[WeightRow, Reason]], findings: Findings, rules: Rules):
    """The matched rows' lines, then the caps' and the re-attribution's."""
    lines = [line for _, line in matched]
    lines += _cap_lines(matched, rules)
    lines += _reattribution_lines(lines, findings, rules)
    return lines


def _row_line(
    row: WeightRow, findings: Findings, derived: Mapping[str, str], rules: Rules
) -> Reason | None:
    for hit in row.any_of:
        if hit.holds(findings, rules.facts):
            break
    else:
        return None
    if row.only_if_any and not any_holds(row.only_if_any, findings, rules.facts):
        return None
    text = f"{row.text} ({derived[hit.field]})" if hit.field in derived else row.text
    return Reason(hit.field, findings[hit.field], text, row.points, "score", row.basis)


def _cap_lines(matched: Sequence[tuple[WeightRow, Reason]], rules: Rules) -> list[Reason]:
    """One negative line for each capped group that went over its limit."""
    trims = []
    for cap in rules.caps.values():
        total = sum((line.points for row, line in matched if row.cap == cap.name), NO_POINTS)
        excess = {h: total.get(h) - limit for h, limit in cap.limits.items()}
        trim = Points(**{h: -over for h, over in excess.items() if over > 0})
        if trim != NO_POINTS:
            trims.append(Reason(f"cap:{cap.name}", None, cap.text, trim, "cap"))
    return trims


def _reattribution_lines(lines: list[Reason], findings: Findings, rules: Rules) -> list[Reason]:
    rule = rules.reattribution
    if not rule.when.holds(findings, rules.facts):
        return []
    moved = sum(
        max(0, line.points.get(rule.source)) for line in lines if line.finding in rule.fields
    )
    if moved == 0:
        return []
    shift = Points.only(rule.target, moved) - Points.only(rule.source, moved)
    field_name = rule.when.field
    return [Reason(field_name, findings[field_name], rule.text, shift, "reattribution")]


def relative_support(scores: Points, temperature: float) -> dict[str, float]:
    """softmax(temperature x score), rounded to 2 places. Not a calibrated probability."""
    scaled = [temperature * s for s in scores.as_tuple()]
    peak = max(scaled)  # subtracting the peak keeps exp() from overflowing
    weights = [math.exp(s - peak) for s in scaled]
    return {h: round(w / sum(weights), 2) for h, w in zip(HYPOTHESES, weights, strict=True)}


@dataclass(frozen=True)
class _Standing:
    """The hypotheses ranked by score; ties keep the order of HYPOTHESES."""

    scores: Points
    order: tuple[str, ...]

    @classmethod
    def of(cls, scores: Points) -> _Standing:
        order = tuple(sorted(HYPOTHESES, key=lambda h: -scores.get(h)))
        return cls(scores, order)

    @property
    def top(self) -> str:
        return self.order[0]

    @property
    def runner_up(self) -> str:
        return self.order[1]

    @property
    def top_score(self) -> int:
        return self.scores.get(self.top)

    @property
    def margin(self) -> int:
        return self.top_score - self.scores.get(self.runner_up)


# --- red and amber flags ------------------------------------------------------------------------


def _flags(findings: Findings, rules: Rules) -> tuple[tuple[FlagHit, ...], tuple[FlagHit, ...]]:
    fired = {rule.id for rule in rules.red_flags if all_hold(rule.all_of, findings, rules.facts)}
    red = _hits(rules.red_flags, fired, findings, rules)
    amber = _hits(rules.amber_flags, fired, findings, rules)
    return red, amber


def _hits(
    candidates: Sequence[FlagRule], fired_red: set[str], findings: Findings, rules: Rules
) -> tuple[FlagHit, ...]:
    hits = []
    for rule in candidates:
        if not all_hold(rule.all_of, findings, rules.facts) or fired_red.intersection(rule.unless):
            continue
        stronger = any_holds(rule.stronger_if_any, findings, rules.facts)
        text = f"{rule.text}; {rule.stronger_text}" if stronger else rule.text
        action = rule.action or rules.tier_actions.get(rule.tier or "", "")
        hits.append(FlagHit(rule.id, rule.tier, rule.concern, text, stronger, action))
    return tuple(hits)


def _worst_tier(red_flags: Sequence[FlagHit]) -> str | None:
    tiers = {hit.tier for hit in red_flags}
    return next((tier for tier in TIERS if tier in tiers), None)


def _amber_note(hit: FlagHit) -> str:
    return f"Amber flag: {hit.text}. Noted; the label stands."


def _screen_notes(screened: bool, has_red_flag: bool) -> list[str]:
    if screened:
        return []
    if has_red_flag:
        return [
            "Red-flag screen not finished: complete the remaining questions, but act on "
            "the flag now."
        ]
    return [
        "Red-flag screen not finished: this result is provisional and cannot be confirmed "
        "until the screen is completed."
    ]


# --- decision ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Verdict:
    label: str
    confidence: str
    reason: str | None = None
    competing: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    flag_notes: tuple[str, ...] = ()


TIER_WORDS = {"emergency": "Emergency", "same_day": "Same-day", "urgent": "Urgent"}


def _flag_note(hit: FlagHit, rules: Rules) -> str:
    word = TIER_WORDS[hit.tier or "urgent"]
    if rules.tier_actions.get(hit.tier or "") == hit.action:
        return f"{word} red flag: {hit.text}; {hit.action}."  # rules 1.1: one action per tier
    return f"{word} red flag: {hit.text}. {hit.action}"


def _red_flag_verdict(red_flags: Sequence[FlagHit], rules: Rules) -> _Verdict:
    order = {tier: rank for rank, tier in enumerate(TIERS)}
    ranked = sorted(red_flags, key=lambda hit: order[hit.tier or "urgent"])
    flag_notes = tuple(_flag_note(hit, rules) for hit in ranked)
    information_only = (
        "The musculoskeletal scores are for information only: do not start treatment until "
        "the patient has been medically cleared."
    )
    return _Verdict(
        RED_FLAG,
        rules.decision.red_flag_confidence,
        notes=(information_only,),
        flag_notes=flag_notes,
    )


def _musculoskeletal_verdict(
    findings: Findings,
    standing: _Standing,
    has_amber: bool,
    next_tests: Sequence[NextTest],
    rules: Rules,
) -> _Verdict:
    for check in (_tendinopathy, _history_only, _insufficient, _mixed, _mixed_examination):
        verdict = check(findings, standing, next_tests, rules)
        if verdict is not None:
            return verdict
    return _labelled(findings, standing, has_amber, rules)


def _indeterminate(
    rules: Rules, reason: str, *notes: str, competing: tuple[str, ...] = ()
) -> _Verdict:
    confidence = rules.decision.indeterminate_confidence
    return _Verdict(INDETERMINATE, confidence, reason, competing, notes)


def _tendinopathy_applies(findings: Findings, rules: Rules) -> bool:
    return all_hold(rules.tendinopathy.all_of, findings, rules.facts)


def _tendinopathy(
    findings: Findings, standing: _Standing, next_tests: Sequence[NextTest], rules: Rules
) -> _Verdict | None:
    rule = rules.tendinopathy
    # a blank onset is not known to be sudden, so it does not keep the label (3.9a-16)
    if not _tendinopathy_applies(findings, rules) or any_holds(
        rule.keeps_label_if_any, findings, rules.facts
    ):
        return None
    return _indeterminate(
        rules,
        "tendinopathy",
        "The findings fit none of the neural, lumbar or strain patterns well; clinical "
        "judgement is needed.",
    )


def _tendinopathy_notes(findings: Findings, rules: Rules) -> list[str]:
    return [rules.tendinopathy.note] if _tendinopathy_applies(findings, rules) else []


def _history_only(
    findings: Findings, standing: _Standing, next_tests: Sequence[NextTest], rules: Rules
) -> _Verdict | None:
    key_tests = [test for tests in rules.key_tests.values() for test in tests]
    if any(is_done(test, findings) for test in key_tests):
        return None
    if standing.margin > 0 and standing.top_score > 0:
        lean = f"the history alone leans towards {HYPOTHESIS_NAMES[standing.top]}"
    else:
        lean = "the history alone favours none of the patterns"
    return _indeterminate(
        rules,
        "history_only",
        f"No key examination test recorded yet; {lean} ({_score_text(standing.scores)}). "
        f"Examine first: {_test_list(next_tests)}.",
    )


def _insufficient(
    findings: Findings, standing: _Standing, next_tests: Sequence[NextTest], rules: Rules
) -> _Verdict | None:
    if standing.top_score >= rules.decision.min_top_score:
        return None
    return _indeterminate(
        rules,
        "insufficient",
        f"Too little evidence to tell the causes apart (highest score {standing.top_score}, "
        f"{rules.decision.min_top_score} needed). Most useful missing tests: "
        f"{_test_list(next_tests)}.",
    )


def _mixed(
    findings: Findings, standing: _Standing, next_tests: Sequence[NextTest], rules: Rules
) -> _Verdict | None:
    if standing.margin >= rules.decision.min_margin:
        return None
    close = tuple(
        h
        for h in standing.order
        if standing.top_score - standing.scores.get(h) < rules.decision.min_margin
    )
    return _indeterminate(rules, "mixed", _mixed_note(close, standing), competing=close)


def _mixed_note(close: tuple[str, ...], standing: _Standing) -> str:
    scores = _score_text(standing.scores)
    if set(close) == {"neural", "lumbar"}:
        return f"Neural and lumbar features carry similar weight ({scores}). {_RETEST_ADVICE}"
    if len(close) == 2 and "acute_strain" in close:
        other = next(h for h in close if h != "acute_strain")
        return (
            f"An acute tissue injury looks likely on top of a {HYPOTHESIS_NAMES[other]} "
            f"pattern ({scores}). Follow the strain pathway first and reassess the "
            f"{other} findings once it settles, usually after 2 to 4 weeks."
        )
    return f"All three patterns score too closely to separate ({scores}); show every score."


_RETEST_ADVICE = (
    "This is common: an irritated lumbar root also makes the slump positive. Next step, "
    "test-treat-retest: apply a lumbar technique (or the preferred-direction exercise) and "
    "repeat the slump or SLR. Improvement points to the spine as the driver; no change points "
    "to a local nerve or scar source. Both treatments can be combined if both prove relevant."
)


def _mixed_examination(
    findings: Findings, standing: _Standing, next_tests: Sequence[NextTest], rules: Rules
) -> _Verdict | None:
    rule = rules.mixed_examination
    facts = rules.facts
    # "top two are N and L": the leader is one of the pair and the other holds the second score
    rival = next(iter(rule.pair - {standing.top}), None) if standing.top in rule.pair else None
    applies = (
        rival is not None
        and len(rule.pair) == 2
        and standing.scores.get(rival) == standing.scores.get(standing.runner_up)
        and rule.min_margin <= standing.margin <= rule.max_margin
        and any_holds(rule.neural_sign_any, findings, facts)
        and any_holds(rule.lumbar_sign_any, findings, facts)
        and not any_holds(rule.retest_done_any, findings, facts)
    )
    if not applies:
        return None
    note = (
        f"The examination shows both a differentiated neurodynamic sign and a lumbar sign, and "
        f"the lead is only {standing.margin} points ({_score_text(standing.scores)}). "
        f"{_RETEST_ADVICE}"
    )
    return _indeterminate(rules, "mixed", note, competing=tuple(sorted(rule.pair)))


def _labelled(findings: Findings, standing: _Standing, has_amber: bool, rules: Rules) -> _Verdict:
    decision = rules.decision
    leader = standing.top
    band = next(
        b.name
        for b in decision.bands
        if standing.margin >= b.min_margin and standing.top_score >= b.min_top_score
    )
    notes = []
    done = {h: sum(is_done(t, findings) for t in tests) for h, tests in rules.key_tests.items()}
    if done[leader] < decision.coverage_min_key_tests and _worse(band, decision.coverage_cap):
        band = decision.coverage_cap
    if done[leader] < decision.coverage_min_key_tests:
        notes.append(
            f"Provisional, examination incomplete: {done[leader]} of the "
            f"{len(rules.key_tests[leader])} key tests for {HYPOTHESIS_NAMES[leader]} were "
            f"done, so confidence is held at {decision.coverage_cap} at most."
        )
    for pair_leader, rival in decision.rule_out_pairs:
        if pair_leader == leader and done[rival] == 0 and _worse(band, decision.rule_out_cap):
            band = decision.rule_out_cap
            notes.append(
                f"Confidence held at {band}: no key test for {HYPOTHESIS_NAMES[rival]} has "
                f"been done to rule it out."
            )
    if has_amber:
        lowered = BANDS[min(BANDS.index(band) + decision.amber_drop, len(BANDS) - 1)]
        if lowered != band:
            notes.append(f"Confidence lowered from {band} to {lowered} because of an amber flag.")
            band = lowered
    return _Verdict(leader, band, notes=tuple(notes))


def _worse(band: str, ceiling: str) -> bool:
    """True when `band` is better than `ceiling`, so the ceiling would lower it."""
    return BANDS.index(band) < BANDS.index(ceiling)


# --- best next tests --------------------------------------------------------------------------


def best_next_tests(findings: Findings, standing: _Standing, rules: Rules) -> tuple[NextTest, ...]:
    """The tests not yet done whose results could move leader-minus-runner-up the most.

    For each candidate every possible result is scored; the test's impact is the largest
    shift in either direction. Ties keep the candidate order of the rules file.
    """
    leader, runner_up = standing.top, standing.runner_up
    baseline = standing.scores.get(leader) - standing.scores.get(runner_up)
    # Each result is scored as `score` would score it, but only the rows that read the test
    # (or a field derived from it) are matched again; the others match as they do now.
    known, derived = _with_derived(findings, rules)
    now = [_row_line(row, known, derived, rules) for row in rules.weights]
    ranked = []
    for test in rules.next_test_candidates:
        gate = rules.next_test_gates.get(test, ())
        if is_done(test, findings) or (gate and not any_holds(gate, findings, rules.facts)):
            continue
        changed = rules.changed_with(test)
        touched = [i for i, read in enumerate(rules.weight_fields) if read & changed]
        shifts = []
        for result in _possible_results(test):
            known_then, derived_then = _with_derived({**findings, test: result}, rules)
            lines = list(now)
            for i in touched:
                lines[i] = _row_line(rules.weights[i], known_then, derived_then, rules)
            matched = [(row, line) for row, line in zip(rules.weights, lines, strict=True) if line]
            total = sum((line.points for line in _lines(matched, known_then, rules)), NO_POINTS)
            shifts.append(_difference(total, leader, runner_up) - baseline)
        ranked.append(NextTest(test, FIELDS[test].label, min(shifts), max(shifts)))
    ranked = [test for test in ranked if test.impact > 0]
    ranked.sort(key=lambda t: (-t.impact, -(t.highest_shift - t.lowest_shift)))
    return tuple(ranked[: rules.next_test_count])


def _difference(points: Points, leader: str, runner_up: str) -> int:
    return points.get(leader) - points.get(runner_up)


def _possible_results(test: str) -> tuple[Any, ...]:
    spec = FIELDS[test]
    if spec.kind is Kind.BOOL:
        return (True, False)
    return tuple(value for value in spec.values if value != _NOT_DONE)


# --- wording ----------------------------------------------------------------------------------


def _score_text(scores: Points) -> str:
    return f"neural {scores.neural}, lumbar {scores.lumbar}, acute strain {scores.acute_strain}"


def _test_list(next_tests: Sequence[NextTest]) -> str:
    if not next_tests:
        return "none left that would change the scores"
    return ", ".join(test.label.lower() for test in next_tests)


def _summary(verdict: _Verdict) -> str:
    if verdict.label == RED_FLAG:
        return "Red flag: refer on before any treatment."
    if verdict.label == INDETERMINATE:
        reason = {
            "insufficient": "not enough evidence yet",
            "mixed": "mixed picture of "
            + " and ".join(HYPOTHESIS_NAMES[h] for h in verdict.competing),
            "tendinopathy": "consider proximal hamstring tendinopathy",
            "history_only": "history only, examination needed",
        }[verdict.reason or "insufficient"]
        return f"Indeterminate: {reason}."
    return f"Suggested: {HYPOTHESIS_NAMES[verdict.label]} (confidence {verdict.confidence})."
