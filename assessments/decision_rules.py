"""The rules a clinician's decision must keep (SPEC 3.8 and 3.9a-13, -18). Plain Python,
shared by the decision form (to show messages) and the service (which refuses to write)."""

from __future__ import annotations

from assessments.diagnosis.engine import default_final_dx
from assessments.diagnosis.result import RED_FLAG, DiagnosisResult

RED_FLAG_REFERRAL = "red_flag_referral"
NON_FIELD = "__all__"


FOLLOW_UP = "follow_up"


def decision_applies(*, kind: str, result: DiagnosisResult) -> bool:
    """Whether an assessment of this kind takes a clinician's decision on this result.

    An intake always does. A follow-up does only when its re-screen finds a red flag: the
    referral is confirmed as at intake, and otherwise the episode's diagnosis stands (a
    follow-up's few measures are not a new differential diagnosis).
    """
    return kind != FOLLOW_UP or result.label == RED_FLAG


def decision_problems(
    *,
    result: DiagnosisResult,
    final_dx: str,
    other_dx_text: str = "",
    override_reason: str = "",
    red_flag_override_confirmed: bool = False,
) -> dict[str, str]:
    """Problems with a proposed decision, keyed by form field name; empty when it may be saved.

    * The red-flag screen must be complete before anything other than a referral is confirmed.
    * "other" must be named.
    * A choice different from the suggestion's mapped default needs a reason.
    * Overriding a red flag needs a reason and an explicit confirmation.
    """
    problems: dict[str, str] = {}
    suggested = default_final_dx(result)
    if not result.can_confirm or (result.provisional and final_dx != RED_FLAG_REFERRAL):
        problems[NON_FIELD] = (
            "The red-flag screen is not complete. Complete it (amend the assessment) "
            "before confirming a diagnosis."
        )
    if final_dx == "other" and not other_dx_text.strip():
        problems["other_dx_text"] = "Name the diagnosis you chose."
    if final_dx != suggested and not override_reason.strip():
        problems["override_reason"] = "Give a reason for choosing differently from the suggestion."
    if suggested == RED_FLAG_REFERRAL and final_dx != suggested and not red_flag_override_confirmed:
        problems["confirm_red_flag_override"] = (
            "Tick to confirm that you are overriding a red flag."
        )
    return problems


def working_diagnosis_problems(
    *,
    working_dx: str,
    deciding_test: str,
    other_dx_text: str = "",
    deciding_test_note: str = "",
) -> dict[str, str]:
    """Problems with a proposed working diagnosis, keyed by form field name: "Something else"
    must be named, for the diagnosis and for the deciding test alike."""
    problems: dict[str, str] = {}
    if working_dx == "other" and not other_dx_text.strip():
        problems["other_dx_text"] = "Name the working diagnosis you chose."
    if deciding_test == "other" and not deciding_test_note.strip():
        problems["deciding_test_note"] = "Say which test will decide it."
    return problems
