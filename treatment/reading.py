"""How a session's re-tests read: the change after treatment, the suggested test-treat-retest
result, and the diagnosis engine re-run with it (SPEC 1.3, 3.9a amendments 5, 17 and 22).

Plain Python: no queries and no request. Whether a number changed enough to matter is decided
in one place for the whole site, `assessments.outcomes.change_reading`; this module only reads
its verdict.
"""

from __future__ import annotations

from collections.abc import Mapping

from assessments.diagnosis.engine import diagnose
from assessments.diagnosis.result import HYPOTHESIS_NAMES, INDETERMINATE, RED_FLAG
from assessments.outcomes import change_reading
from treatment.retests import ENGINE_FIELDS, NUMERIC, POSITIVE, RETEST_SPECS

IMPROVED, NO_CHANGE, WORSE = "neural_signs_improved", "no_change", "worse"

LABEL_NAMES = {
    **HYPOTHESIS_NAMES,
    RED_FLAG: "red flag: refer on",
    INDETERMINATE: "indeterminate",
}

#: The neurological findings: the latest examination of the day counts, before or after
#: treatment, so a deficit found after the technique is never hidden from the engine.
_LATEST_OF_THE_DAY = ("neuro_exam", "neuro_deficit_progressing")


def value_text(name: str, value: object) -> str:
    if value is None:
        return "Not done"
    spec = RETEST_SPECS[name]
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return spec.choice_label(value)


def _direction(reading: str) -> str:
    """WORSE, IMPROVED or NO_CHANGE from change_reading's words ("" means nothing to compare)."""
    words = reading.lower()
    if not words:
        return ""
    if "worse" in words:
        return WORSE
    if "better" in words or "improv" in words:
        return IMPROVED
    return NO_CHANGE


def _test_direction(before: object, after: object) -> str:
    """A neurodynamic test result: positive (the familiar symptom) to not, or back."""
    if before is None or after is None or "not_done" in (before, after):
        return ""
    was, now = before in POSITIVE, after in POSITIVE
    if was and not now:
        return IMPROVED
    if now and not was:
        return WORSE
    return NO_CHANGE


def test_change(name: str, before: object, after: object) -> str:
    """The words shown beside an after-treatment value."""
    if name in NUMERIC:
        return change_reading(name, before, after)
    if name in ("slump_test", "slr_test"):
        return {
            IMPROVED: "No longer brings on the familiar symptom",
            WORSE: "Now brings on the familiar symptom",
            NO_CHANGE: "Same result",
        }.get(_test_direction(before, after), "")
    if before is None or after is None:
        return ""
    return "Same result" if before == after else "Changed"


def change_rows(before: Mapping[str, object], after: Mapping[str, object]) -> list[dict]:
    """Every re-test recorded in either phase: its label, both values and the change."""
    rows = []
    for name, spec in RETEST_SPECS.items():
        was, now = before.get(name), after.get(name)
        if was is None and now is None:
            continue
        rows.append(
            {
                "name": name,
                "label": spec.label,
                "before": value_text(name, was),
                "after": value_text(name, now),
                "change": test_change(name, was, now),
            }
        )
    return rows


def retest_applies(*, lumbar_given: bool, after: Mapping[str, object]) -> bool:
    """Test-treat-retest applies when a lumbar technique was given and the slump or the SLR
    was repeated after it."""
    return lumbar_given and any(after.get(name) is not None for name in ("slump_test", "slr_test"))


def suggest_retest_outcome(
    *, before: Mapping[str, object], after: Mapping[str, object], lumbar_given: bool
) -> str | None:
    """What the change in the slump and SLR after a lumbar technique suggests: IMPROVED,
    NO_CHANGE or WORSE, for the therapist to confirm; None when it does not apply or nothing
    can be compared. Mixed directions read as no change."""
    if not retest_applies(lumbar_given=lumbar_given, after=after):
        return None
    directions = {
        _test_direction(before.get("slump_test"), after.get("slump_test")),
        _test_direction(before.get("slr_test"), after.get("slr_test")),
        *(
            _direction(change_reading(name, before.get(name), after.get(name)))
            for name in ("slump_knee_ext_deficit_deg", "slr_angle_affected_deg")
        ),
    } - {""}
    if not directions:
        return None
    if directions == {NO_CHANGE}:
        return NO_CHANGE
    if WORSE in directions and IMPROVED not in directions:
        return WORSE
    if IMPROVED in directions and WORSE not in directions:
        return IMPROVED
    return NO_CHANGE


def engine_findings(
    base: Mapping[str, object],
    before: Mapping[str, object],
    after: Mapping[str, object],
    retest: str | None,
) -> dict[str, object]:
    """The episode's findings with today's examination laid over them.

    The neurodynamic and lumbar findings the engine scores are today's before-treatment
    results: amendment 22 says what a positive slump or SLR "counts for" once the re-test
    says it improved with lumbar treatment, so the re-test result carries the change and the
    after-treatment values are not scored a second time. The neurological examination is
    the latest of the day (a deficit found after treatment is never hidden)."""
    findings = dict(base)
    for name in ENGINE_FIELDS:
        if before.get(name) is not None:
            findings[name] = before[name]
    for name in _LATEST_OF_THE_DAY:
        if after.get(name) is not None:
            findings[name] = after[name]
    if retest:  # None: the episode's own re-test result, if an assessment recorded one
        findings["retest_after_lumbar_treatment"] = retest
    return findings


def _summary(result) -> dict:
    return {
        "label": result.label,
        "label_name": LABEL_NAMES.get(result.label, result.label),
        "confidence": result.confidence,
        "summary": result.summary,
        "scores": result.scores.as_dict(),
        "reasons": [reason.as_dict() for reason in result.reasons if reason.kind != "info"],
        "notes": list(result.notes),
    }


_SHORT_NAMES = {"neural": "neural", "lumbar": "lumbar", "acute_strain": "acute strain"}


def _points_text(points: Mapping[str, int]) -> str:
    return ", ".join(
        f"{'+' if value > 0 else ''}{value} {_SHORT_NAMES.get(key, key)}"
        for key, value in points.items()
        if value
    )


def rerun(
    base: Mapping[str, object],
    before: Mapping[str, object],
    after: Mapping[str, object],
    retest: str,
) -> dict:
    """The engine's suggestion on the episode's findings before and after this session's
    re-test result, and what changed and why (the reasons that came or went, among them
    amendment 22's re-attribution line). JSON-ready: a signed session stores it."""
    was = diagnose(engine_findings(base, before, after, None))
    now = diagnose(engine_findings(base, before, after, retest))
    old = {(reason.text, reason.points) for reason in was.reasons if reason.kind != "info"}
    changes = []
    if was.label != now.label or was.confidence != now.confidence:
        changes.append(
            f"The suggestion moves from {LABEL_NAMES.get(was.label, was.label)} "
            f"({was.confidence} confidence) to {LABEL_NAMES.get(now.label, now.label)} "
            f"({now.confidence} confidence)."
        )
    else:
        changes.append(
            f"The suggestion stays {LABEL_NAMES.get(now.label, now.label)} "
            f"({now.confidence} confidence)."
        )
    for reason in now.reasons:
        if reason.kind != "info" and (reason.text, reason.points) not in old:
            changes.append(f"{reason.text}: {_points_text(reason.points.as_dict())}.")
    return {
        "rules_version": now.rules_version,
        "retest_after_lumbar_treatment": retest,
        "before": _summary(was),
        "after": _summary(now),
        "changes": changes,
    }
