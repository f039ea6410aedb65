"""Turns saved findings and an engine result into what the assessment page shows.

Plain Python: no queries and no request. Functions that take an assessment only read its
finding attributes, so the view decides what is fetched and these decide how it reads."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import get_language

from assessments import stored_result
from assessments.diagnosis.engine import default_final_dx, diagnose, is_done
from assessments.diagnosis.result import (
    HYPOTHESIS_NAMES,
    RED_FLAG,
    RELATIVE_SUPPORT_CAPTION,
    DiagnosisResult,
)
from assessments.diagnosis.ruleset import HYPOTHESES, load_rules, rules_for_version
from assessments.diagnosis.schema import FIELDS, Group, fields_in_group
from assessments.outcomes import change_reading, slr_side_difference

GROUP_TITLES = {
    Group.CONTEXT: "Context",
    Group.HISTORY: "History",
    Group.SYMPTOMS: "Symptoms",
    Group.RUNNING: "Running: what makes it worse",
    Group.TESTS: "Clinical tests",
    Group.RED_FLAGS: "Red-flag screen",
    Group.OUTCOMES: "Outcome measures",
}
"""The intake sections, in the order the form and the page show them."""

#: Each section's findings in SPEC order (`fields_in_group`, which walks the whole catalogue
#: each time), worked out once: the catalogue is read from the engine's files at import.
GROUP_FIELDS = {group: tuple(fields_in_group(group)) for group in Group}

# A follow-up repeats the outcome measures, pain ratings and the objective re-tests (SPEC 5),
# and asks the red-flag questions and examines the nerves again (SPEC 3.9b; issue 13, 3).
FOLLOW_UP_MEASURES = (
    "nprs_now",
    "nprs_worst_week",
    "slump_knee_ext_deficit_deg",
    "slr_angle_affected_deg",
    "slr_angle_other_deg",
    *(spec.name for spec in fields_in_group(Group.OUTCOMES)),
)
COMPARED_FIELDS = FOLLOW_UP_MEASURES

TIER_TITLES = {
    "emergency": "Emergency: send to the emergency department now",
    "same_day": "Same day: a doctor must assess the patient today",
    "urgent": "Urgent: specialist review or imaging within a week",
}
"""Plain-words titles of the rules 1.2 tiers (SPEC 3.9b-23)."""

TIER_TITLES_1_1 = {
    "emergency": "Emergency: same-day emergency assessment",
    "urgent": "Urgent: review within 24 to 48 hours (rules 1.1)",
}
"""Rules 1.1 had two tiers; decisions made under 1.1 are shown with what 1.1 said."""


def tier_title(tier: str | None, rules_version: str | None) -> str:
    titles = TIER_TITLES_1_1 if rules_version == "1.1" else TIER_TITLES
    return titles.get(tier or "", "")


@dataclass(frozen=True)
class FlagLine:
    """One red-flag reason and what to do about it, as shown to the clinician."""

    tier: str
    text: str
    action: str


def flag_lines(red_flags: list[dict], rules_version: str | None) -> list[FlagLine]:
    """Reasons with their actions from a stored result (`as_dict()` red_flags), most urgent
    first. Rules 1.1 had one action per tier, not per reason: its tier title says it."""
    per_reason = rules_version != "1.1"
    lines = [
        FlagLine(
            tier=hit.get("tier") or "urgent",
            text=hit.get("text", ""),
            action=(hit.get("action") or "") if per_reason else "",
        )
        for hit in red_flags
    ]
    order = {"emergency": 0, "same_day": 1, "urgent": 2}
    return sorted(lines, key=lambda line: order.get(line.tier, 3))


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
    #: The suggestion's card as drawn from this explanation (`assessment_rows.suggestion_card`
    #: fills it), so that an explanation kept by `current_explanation` is drawn once.
    card: str | None = field(default=None, compare=False, repr=False)

    @property
    def is_red_flag(self) -> bool:
        return self.result.label == RED_FLAG

    @property
    def tier_title(self) -> str:
        return tier_title(self.result.tier, self.result.rules_version)

    @property
    def flag_lines(self) -> list[FlagLine]:
        return flag_lines(
            [hit.as_dict() for hit in self.result.red_flags], self.result.rules_version
        )


def explain(
    findings: dict[str, object],
    rules_version: str | None = None,
    result: DiagnosisResult | None = None,
) -> Explanation:
    """Run the engine on saved findings and arrange the result for the clinician.

    `rules_version` (e.g. "1.1", from a recorded decision) shows the suggestion as that version
    made it; the default is the current rules. `result`, the engine's result for `findings`
    under the current rules when the caller has it (`stored_result.current_result`), saves
    running the engine again."""
    rules = rules_for_version(rules_version) if rules_version else load_rules()
    if result is None:
        result = diagnose(findings, rules)
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
            for spec in GROUP_FIELDS[Group.RED_FLAGS]
            if spec.name != "red_flag_screen_completed" and findings.get(spec.name) is True
        ],
    )


#: `current_explanation`'s explanations by what each is worked out from: the three checks of
#: a stored result (the engine's digest, the rules version, the findings' digest) and the
#: language. An assessment's findings change only through a new digest, so a kept explanation
#: can never be stale; the page opened again and again (a clinician's, the bench's single
#: URL) skips rebuilding the result, arranging it and drawing its card.
_KEPT: dict[tuple[str, str, str, str], Explanation] = {}
_KEPT_MAX = 512


def current_explanation(stored: dict | None, findings: dict[str, object]) -> Explanation:
    """`explain(findings, result=stored_result.current_result(stored, findings))`: the
    explanation under the current rules. When the stored result matches the findings, the
    explanation is kept per process (`_KEPT`) and shared by every view of the same findings:
    callers must not change it."""
    if not stored_result.matches(stored, findings):
        return explain(findings)
    key = (stored["engine"], stored["rules_version"], stored["findings"], get_language())
    kept = _KEPT.get(key)
    if kept is None:
        if len(_KEPT) >= _KEPT_MAX:
            _KEPT.clear()
        kept = _KEPT[key] = explain(findings, result=stored_result.rebuilt(stored["result"]))
    return kept


def comparison(assessment, baseline) -> list[dict]:
    """The repeated measures of a follow-up beside the episode's baseline, with the change and
    whether it is better or worse; measures blank on both are left out."""
    if baseline is None:
        return []
    rows = []
    for name in COMPARED_FIELDS:
        before, now = getattr(baseline, name), getattr(assessment, name)
        if before is None and now is None:
            continue
        change = now - before if before is not None and now is not None else None
        rows.append(
            {
                "label": FIELDS[name].label,
                "help": FIELDS[name].help_text,
                "baseline": before,
                "now": now,
                "change": change,
                "reading": change_reading(name, before, now),
            }
        )
    sides = [
        (visit.slr_angle_affected_deg, visit.slr_angle_other_deg)
        for visit in (baseline, assessment)
    ]
    short = [
        other - affected if None not in (affected, other) else None for affected, other in sides
    ]
    if short != [None, None]:
        rows.append(
            {
                "label": "SLR: affected side short of the other (°)",
                "help": "A difference between the sides of 10° or more is notable.",
                "baseline": short[0],
                "now": short[1],
                "change": short[1] - short[0] if None not in short else None,
                "reading": slr_side_difference(*sides[1]),
            }
        )
    return rows


def decision_flags(snapshot: dict | None, rules_version: str | None) -> dict | None:
    """The red-flag tier and actions a recorded decision was made with, from its snapshot."""
    snapshot = snapshot or {}
    if not snapshot.get("red_flags"):
        return None
    return {
        "title": tier_title(snapshot.get("tier"), rules_version),
        "lines": flag_lines(snapshot["red_flags"], rules_version),
    }
