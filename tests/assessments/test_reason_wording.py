"""Each reason reads right under every pattern it is listed for (issue 12, item 16).

The diagnosis page lists a reason under each hypothesis it gives points to. A text written for
one pattern ("a sensitive nerve dislikes being tensioned") must not turn up as a reason for
another (acute strain). These tests make every row of the rules file fire, alone and in the
combinations that produce cap and re-attribution lines, and read what the page would list.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse

from assessments.diagnosis import FIELDS, Kind, load_rules
from assessments.diagnosis.ruleset import Condition
from assessments.explain import explain
from tests.assessments.factories import AssessmentFactory

RULES = load_rules()

NERVE_WORDS = re.compile(r"\b(nerves?|neural|neuro\w*|sciatic|roots?|neuropathic)\b", re.I)
BACK_WORDS = re.compile(r"\b(back|low-back|lumbar|spine|spinal|discs?|vertebra\w*)\b", re.I)
# "the back of the thigh" is where the symptom is, not the spine
BACK_OF_THE_LEG = re.compile(r"\bback of the (thigh|leg|knee)\b", re.I)

# Findings whose rules are about the nerve or about the back: their reasons may name it under
# any pattern. Everything else must be worded for each pattern it is listed under.
ABOUT_THE_NERVE = {
    *RULES.key_tests["neural"],
    *RULES.reattribution.fields,
    RULES.reattribution.when.field,
    "neuro_exam",
    "paindetect_score",
    "slanss_score",
}
ABOUT_THE_BACK = {
    *RULES.key_tests["lumbar"],
    RULES.reattribution.when.field,
    "previous_low_back_injury",
    "low_back_stiffness",
    "current_low_back_pain",
    "crossed_slr",
}

# what each pattern's reasons may not name unless the rule is about it
FORBIDDEN = {
    "neural": [("the back", BACK_WORDS, ABOUT_THE_BACK)],
    "lumbar": [("the nerve", NERVE_WORDS, ABOUT_THE_NERVE)],
    "acute_strain": [
        ("the nerve", NERVE_WORDS, ABOUT_THE_NERVE),
        ("the back", BACK_WORDS, ABOUT_THE_BACK),
    ],
}


def _values_satisfying(condition: Condition) -> list[Any]:
    """Every recorded value that makes `condition` hold (one per allowed value)."""
    spec = FIELDS[condition.field]
    if condition.op == "in":
        values = sorted(condition.operand)
        return [[v] if spec.kind is Kind.MULTI_ENUM else v for v in values]
    if condition.op == "exactly":
        return [sorted(condition.operand)]
    if condition.op in ("is", "at_least"):
        return [condition.operand]
    raise AssertionError(f"no generator for {condition.op!r}")


def _first_value(condition: Condition) -> dict[str, Any]:
    return {condition.field: _values_satisfying(condition)[0]}


def _merge(*parts: dict[str, Any]) -> dict[str, Any]:
    """Findings from several parts; ticks of one multi-choice field are combined."""
    merged: dict[str, Any] = {}
    for part in parts:
        for name, value in part.items():
            if isinstance(value, list) and isinstance(merged.get(name), list):
                merged[name] = sorted({*merged[name], *value})
            else:
                merged[name] = value
    return merged


def _row_cases(row) -> Iterator[dict[str, Any]]:
    gate = _first_value(row.only_if_any[0]) if row.only_if_any else {}
    for condition in row.any_of:
        for value in _values_satisfying(condition):
            yield _merge(gate, {condition.field: value})


def _cases() -> Iterator[tuple[str, dict[str, Any]]]:
    """Every row with every value it matches, then the rows that only show in combination."""
    for row in RULES.weights:
        for findings in _row_cases(row):
            yield f"row:{'|'.join(row.fields)}={findings}", findings
    for derivation in RULES.derivations:
        for value in sorted(derivation.any_of):
            yield f"derived:{derivation.field}", {derivation.from_field: [value]}
    for cap in RULES.caps.values():
        rows = [row for row in RULES.weights if row.cap == cap.name]
        findings = _merge(*(case for row in rows for case in _row_cases(row)))
        yield f"cap:{cap.name}", findings
    rule = RULES.reattribution
    for row in RULES.weights:
        if row.any_of[0].field in rule.fields and row.points.get(rule.source) > 0:
            for findings in _row_cases(row):
                yield f"reattribution:{findings}", _merge(findings, _first_value(rule.when))


CASES = list(_cases())


@pytest.mark.parametrize(("name", "findings"), CASES, ids=[name for name, _ in CASES])
def test_it_words_each_reason_for_every_pattern_it_is_listed_under(name, findings):
    explanation = explain(findings)
    problems = []
    for view in explanation.hypotheses:
        for text, _points in [*view.supporting, *view.against]:
            for what, words, exempt_fields in FORBIDDEN[view.key]:
                if exempt_fields.intersection(findings):
                    continue
                if words.search(BACK_OF_THE_LEG.sub("", text)):
                    problems.append(f"{view.name}: {text!r} names {what}")
    assert problems == []


def test_it_covers_every_row_of_the_rules_file():
    fired = set()
    for _name, findings in CASES:
        fired.update(r.text for r in explain(findings).result.reasons if r.kind == "score")
    assert len(CASES) > len(RULES.weights)
    assert all(row.text in fired for row in RULES.weights)


def test_it_lists_stretching_that_aggravates_under_all_three_patterns_in_neutral_words():
    explanation = explain({"stretching_response": "aggravates"})
    lines = {view.key: view.supporting for view in explanation.hypotheses}

    assert {key: [points for _text, points in found] for key, found in lines.items()} == {
        "neural": [2],
        "lumbar": [1],
        "acute_strain": [1],
    }
    assert not any("nerve" in text for found in lines.values() for text, _points in found)


@pytest.mark.django_db
def test_it_does_not_list_a_nerve_reason_under_acute_strain_on_the_page(
    therapist_client, therapist
):
    findings = {"stretching_response": "aggravates", "red_flag_screen_completed": True}
    assessment = AssessmentFactory(therapist=therapist, final=True, findings=findings)
    content = therapist_client.get(
        reverse("assessments:detail", args=[assessment.public_id])
    ).content.decode()
    strain = content[content.index('class="mb-2 reasons-acute_strain"') :]
    strain = strain[: strain.index("</div>")]
    assert "Stretching makes it worse" in strain
    assert "nerve" not in strain
