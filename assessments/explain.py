"""Turns an engine result into what the assessment page shows. Plain Python, no ORM."""

from __future__ import annotations

from dataclasses import dataclass, field

from assessments.diagnosis.engine import (
    HYPOTHESIS_NAMES,
    RED_FLAG,
    RELATIVE_SUPPORT_CAPTION,
    DiagnosisResult,
    default_final_dx,
    diagnose,
    is_done,
)
from assessments.diagnosis.ruleset import HYPOTHESES, load_rules
from assessments.diagnosis.schema import FIELDS, Group, fields_in_group

TIER_TITLES = {
    "emergency": "Emergency: same-day emergency assessment",
    "urgent": "Urgent: medical or orthopaedic review within 24 to 48 hours",
}


@dataclass
class HypothesisView:
    key: str
    name: str
    score: int
    support: float
    supporting: list[tuple[str, int]] = field(default_factory=list)
    against: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class Explanation:
    result: DiagnosisResult
    suggested_dx: str
    hypotheses: list[HypothesisView]
    unscored: list[str]
    not_done: list[str]
    next_tests: list[tuple[str, int, int]]
    red_flag_items: list[str]
    support_caption: str = RELATIVE_SUPPORT_CAPTION

    @property
    def is_red_flag(self) -> bool:
        return self.result.label == RED_FLAG

    @property
    def tier_title(self) -> str:
        return TIER_TITLES.get(self.result.tier or "", "")


def explain(findings: dict[str, object]) -> Explanation:
    """Run the engine on saved findings and arrange the result for the clinician."""
    result = diagnose(findings)
    hypotheses = []
    for key in HYPOTHESES:
        view = HypothesisView(
            key=key,
            name=HYPOTHESIS_NAMES[key].capitalize(),
            score=result.scores.get(key),
            support=result.relative_support.get(key, 0.0),
        )
        for reason in result.reasons:
            points = reason.points.get(key)
            if points > 0:
                view.supporting.append((reason.text, points))
            elif points < 0:
                view.against.append((reason.text, points))
        hypotheses.append(view)
    rules = load_rules()
    key_tests = [test for tests in rules.key_tests.values() for test in tests]
    not_done = [
        FIELDS[test].label for test in dict.fromkeys(key_tests) if not is_done(test, findings)
    ]
    return Explanation(
        result=result,
        suggested_dx=default_final_dx(result),
        hypotheses=hypotheses,
        unscored=[reason.text for reason in result.reasons if reason.kind == "info"],
        not_done=not_done,
        next_tests=[
            (test.label, test.lowest_shift, test.highest_shift) for test in result.next_test_details
        ],
        red_flag_items=[
            FIELDS[spec.name].label
            for spec in fields_in_group(Group.RED_FLAGS)
            if spec.name != "red_flag_screen_completed" and findings.get(spec.name) is True
        ],
    )
