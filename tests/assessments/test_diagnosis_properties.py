"""Properties of the engine that must hold for any valid findings (Hypothesis).

"Not recorded is never no" is checked in this form: for every clinically negative answer that
the weight table scores (slump negative, lumbar range full and painless, no previous hamstring
injury, ...), leaving the field blank produces no explanation line for that field, and
answering it changes the scores by exactly that row's points. Since every such row carries
non-zero points, a blank can never be scored the way "no" is. Negative yes/no answers
(`felt_pop_or_tear = false` and the like) carry no points in the table, so blank and false
legitimately score the same; where a negative answer drives logic instead of points (the
first-episode amber flag), the rule must fire only on explicit answers.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from assessments.diagnosis import (
    BANDS,
    FIELDS,
    INDETERMINATE_REASONS,
    LABELS,
    TIERS,
    Kind,
    Points,
    diagnose,
    load_rules,
    validate_findings,
)

RULES = load_rules()

# The engine scores every untried test for "best next test", so allow for slower examples.
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _value_strategy(spec):
    if spec.kind is Kind.INT:
        high = spec.max_value if spec.max_value is not None else spec.min_value + 200
        return st.integers(spec.min_value, high)
    if spec.kind is Kind.NUMBER:
        return st.floats(spec.min_value, spec.max_value, allow_nan=False)
    if spec.kind is Kind.ENUM:
        return st.sampled_from(spec.values)
    if spec.kind is Kind.MULTI_ENUM:
        return st.lists(st.sampled_from(spec.values), unique=True)
    return st.booleans()


FINDINGS = st.fixed_dictionaries(
    {}, optional={name: _value_strategy(spec) for name, spec in FIELDS.items()}
)

# Each alone is enough for a red flag of the given tier (rules 1.2, SPEC 3.9b-23).
TRIGGERS = [
    ("emergency", {"rf_saddle_anaesthesia": True}),
    ("emergency", {"rf_bladder_change": True}),
    ("emergency", {"rf_bowel_change": True}),
    ("emergency", {"rf_sexual_dysfunction_new": True}),
    ("emergency", {"rf_bilateral_leg_neuro_symptoms": True}),
    ("emergency", {"neuro_exam": "bilateral_or_multi_root_deficit"}),
    ("emergency", {"rf_progressive_weakness": True}),
    ("emergency", {"neuro_deficit_progressing": True}),
    ("urgent", {"rf_history_of_cancer": True, "rf_unexplained_weight_loss": True}),
    ("urgent", {"rf_history_of_cancer": True, "night_pain": "constant_unrelenting"}),
    ("urgent", {"rf_unexplained_weight_loss": True, "rf_constant_night_pain": True}),
    ("same_day", {"rf_fever_or_unwell": True}),
    ("same_day", {"rf_significant_trauma": True}),
    (
        "urgent",
        {
            "rf_osteoporosis_or_steroids": True,
            "current_low_back_pain": "mild",
            "symptom_duration": "2_to_6_weeks",
            "previous_low_back_injury": "none",
        },
    ),
    ("urgent", {"rf_bony_pain_on_hop_or_weightbearing": True}),
    ("same_day", {"rf_calf_swelling_warmth": True}),
    ("urgent", {"rf_exertional_claudication": True}),
    ("urgent", {"rf_suspected_complete_avulsion": True}),
    ("urgent", {"felt_pop_or_tear": True, "hamstring_palpation": "palpable_defect"}),
]


def _satisfying_values(condition):
    spec = FIELDS[condition.field]
    if condition.op == "in":
        return [[v] if spec.kind is Kind.MULTI_ENUM else v for v in sorted(condition.operand)]
    if condition.op == "is":
        return [condition.operand]
    if condition.op == "exactly":
        return [sorted(condition.operand)]
    if condition.op == "at_least":
        return [condition.operand, spec.max_value or condition.operand + 10]
    return []


# Every (field, value) that some weight row scores with positive neural points.
NEURAL_ADDITIONS = sorted(
    {
        (condition.field, json.dumps(value))
        for row in RULES.weights
        if row.points.neural > 0
        for condition in row.any_of
        for value in _satisfying_values(condition)
    }
)

# Clinically negative answers that the table scores: (field, value, SPEC points N/L/A).
NEGATIVE_ANSWERS = [
    ("previous_hamstring_injury", "none", Points(-2, 0, 0)),
    ("slump_test", "negative", Points(-3, -1, 1)),
    ("slr_test", "negative", Points(-1, -1, 0)),
    ("sciatic_nerve_palpation", "non_tender", Points(-1, 0, 0)),
    ("lumbar_rom", "full_painless", Points(0, -2, 0)),
    ("repeated_movements", "no_change", Points(0, -1, 0)),
    ("pa_accessory_glide", "no_pain", Points(0, -1, 0)),
    ("hamstring_palpation", "non_tender", Points(1, 1, -2)),
    ("resisted_knee_flexion", "strong_painless", Points(1, 1, -2)),
]


@PROPERTY
@given(findings=FINDINGS)
def test_it_returns_a_well_formed_result_for_any_valid_findings(findings):
    assert validate_findings(findings) == []

    result = diagnose(findings)

    assert result.label in LABELS
    assert result.confidence in BANDS
    assert (result.tier is not None) == (result.label == "red_flag")
    assert (result.indeterminate_reason is not None) == (result.label == "indeterminate")
    assert result.indeterminate_reason in (None, *INDETERMINATE_REASONS)
    assert result.mixed == (len(result.competing) >= 2)
    assert result.rules_version == "1.2"
    assert abs(sum(result.relative_support.values()) - 1) <= 0.02
    assert len(result.next_tests) <= 2
    json.dumps(result.as_dict())


@PROPERTY
@given(findings=FINDINGS, trigger=st.sampled_from(TRIGGERS))
def test_it_returns_red_flag_for_any_tier_one_or_two_flag_whatever_else(findings, trigger):
    tier, flags = trigger

    result = diagnose({**findings, **flags})

    assert result.label == "red_flag"
    assert result.tier in TIERS
    assert TIERS.index(result.tier) <= TIERS.index(tier)  # never less urgent than the trigger
    assert result.tier == min((hit.tier for hit in result.red_flags), key=TIERS.index)
    assert any(hit.tier == tier for hit in result.red_flags)
    assert all(hit.action for hit in result.red_flags)


@PROPERTY
@given(findings=FINDINGS, addition=st.sampled_from(NEURAL_ADDITIONS))
def test_it_never_lowers_the_neural_score_when_a_neural_finding_is_added(findings, addition):
    field, encoded = addition
    base = {name: value for name, value in findings.items() if name != field}

    before = diagnose(base).scores.neural
    after = diagnose({**base, field: json.loads(encoded)}).scores.neural

    assert after >= before


@PROPERTY
@given(findings=FINDINGS, quality=st.sampled_from(FIELDS["pain_quality"].values))
def test_it_never_lowers_the_neural_score_when_a_pain_quality_is_ticked(findings, quality):
    ticked = list(findings.get("pain_quality") or [])
    assume(quality not in ticked)

    before = diagnose(findings).scores.neural
    after = diagnose({**findings, "pain_quality": [*ticked, quality]}).scores.neural

    assert after >= before


@PROPERTY
@given(findings=FINDINGS, answer=st.sampled_from(NEGATIVE_ANSWERS))
def test_it_never_scores_a_blank_field_as_a_negative_answer(findings, answer):
    field, negative, row_points = answer
    blank = {name: value for name, value in findings.items() if name != field}

    left_blank = diagnose(blank)
    answered = diagnose({**blank, field: negative})

    assert not any(reason.finding == field for reason in left_blank.reasons)
    assert answered.scores - left_blank.scores == row_points
    assert answered.scores != left_blank.scores


@PROPERTY
@given(
    findings=FINDINGS,
    blank=st.sampled_from(["previous_hamstring_injury", "previous_low_back_injury"]),
)
def test_it_never_infers_a_first_episode_from_a_blank_history(findings, blank):
    findings = {
        **findings,
        "age_years": 70,
        "previous_hamstring_injury": "none",
        "previous_low_back_injury": "none",
    }
    del findings[blank]

    result = diagnose(findings)

    assert "first_episode_over_50" not in [hit.id for hit in result.amber_flags]


@PROPERTY
@given(findings=FINDINGS)
def test_it_never_changes_the_label_because_of_an_amber_flag(findings):
    findings = {**findings, "rf_calf_swelling_warmth": False}
    without = {**findings, "rf_dvt_risk_factor": False}
    with_amber = {**findings, "rf_dvt_risk_factor": True}

    plain, flagged = diagnose(without), diagnose(with_amber)

    assert flagged.label == plain.label
    assert flagged.scores == plain.scores
    assert BANDS.index(flagged.confidence) >= BANDS.index(plain.confidence)


@PROPERTY
@given(findings=FINDINGS)
def test_it_treats_a_missing_key_test_like_not_done(findings):
    tests = ["slump_test", "lumbar_rom", "hamstring_palpation"]
    missing = {name: value for name, value in findings.items() if name not in tests}
    not_done = {**missing, **dict.fromkeys(tests, "not_done")}

    a, b = diagnose(missing), diagnose(not_done)

    assert (a.label, a.confidence, a.scores) == (b.label, b.confidence, b.scores)


def _next_tests_scored_afresh(known, standing, rules):
    """`best_next_tests` as it was before it re-matched only the rows a test touches: every
    possible result of every candidate scored from scratch."""
    from assessments.diagnosis.engine import _difference, _possible_results, any_holds, is_done
    from assessments.diagnosis.engine import score as full_score
    from assessments.diagnosis.result import NextTest

    leader, runner_up = standing.top, standing.runner_up
    baseline = standing.scores.get(leader) - standing.scores.get(runner_up)
    ranked = []
    for test in rules.next_test_candidates:
        gate = rules.next_test_gates.get(test, ())
        if is_done(test, known) or (gate and not any_holds(gate, known, rules.facts)):
            continue
        shifts = [
            _difference(full_score({**known, test: result}, rules)[0], leader, runner_up) - baseline
            for result in _possible_results(test)
        ]
        ranked.append(NextTest(test, FIELDS[test].label, min(shifts), max(shifts)))
    ranked = [test for test in ranked if test.impact > 0]
    ranked.sort(key=lambda t: (-t.impact, -(t.highest_shift - t.lowest_shift)))
    return tuple(ranked[: rules.next_test_count])


@PROPERTY
@given(findings=FINDINGS)
def test_it_ranks_next_tests_as_scoring_every_result_afresh_would(findings):
    from assessments.diagnosis.engine import _recorded, _Standing, best_next_tests, score
    from assessments.diagnosis.ruleset import rules_for_version

    known = _recorded(findings)
    for rules in (RULES, rules_for_version("1.1")):
        standing = _Standing.of(score(known, rules)[0])
        assert best_next_tests(known, standing, rules) == _next_tests_scored_afresh(
            known, standing, rules
        )
