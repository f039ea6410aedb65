"""What the diagnosis engine returns: the result, its explanation lines, and the labels.

Plain data with `as_dict()` for storage (a decision keeps the result as its snapshot) and for
the `diagnose` command; `engine.py` builds these, the pages and services read them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .ruleset import HYPOTHESES, Points
from .schema import FieldError

RED_FLAG = "red_flag"
INDETERMINATE = "indeterminate"
LABELS: tuple[str, ...] = (*HYPOTHESES, RED_FLAG, INDETERMINATE)
"""Every label `diagnose` can return."""

INDETERMINATE_REASONS: tuple[str, ...] = ("insufficient", "mixed", "tendinopathy", "history_only")

HYPOTHESIS_NAMES: Mapping[str, str] = {
    "neural": "neural tissue sensitivity",
    "lumbar": "referral from the lumbar spine",
    "acute_strain": "acute hamstring strain",
}

RELATIVE_SUPPORT_CAPTION = "relative support between the three patterns, not a probability"


class InvalidFindingsError(ValueError):
    """The findings break the intake schema; `errors` lists every bad field."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        self.errors = tuple(errors)
        super().__init__("; ".join(str(error) for error in self.errors))


@dataclass(frozen=True)
class Reason:
    """One line of the explanation.

    `kind` is "score" (a weight-table row), "cap" (a negative adjustment keeping a capped group
    within its limit; `finding` is then "cap:<group>"), "reattribution" (points moved from
    neural to lumbar by the re-test) or "info" (shown, worth no points).
    """

    finding: str
    value: Any
    text: str
    points: Points
    kind: str = "score"
    basis: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "finding": self.finding,
            "value": list(self.value) if isinstance(self.value, tuple) else self.value,
            "text": self.text,
            "points": self.points.as_dict(),
            "kind": self.kind,
            "basis": self.basis,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Reason:
        value = data["value"]
        return cls(
            finding=data["finding"],
            value=tuple(value) if isinstance(value, list) else value,
            text=data["text"],
            points=Points(**data["points"]),
            kind=data["kind"],
            basis=data["basis"],
        )


@dataclass(frozen=True)
class FlagHit:
    """A red-flag or amber rule that fired. `tier` is None for amber flags."""

    id: str
    tier: str | None
    concern: str
    text: str
    stronger: bool = False
    action: str = ""
    """Who should see the patient and how soon; empty for amber flags."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "tier": self.tier,
            "concern": self.concern,
            "text": self.text,
            "stronger": self.stronger,
            "action": self.action,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FlagHit:
        return cls(**data)


@dataclass(frozen=True)
class NextTest:
    """A test not yet done, and how far its results could move leader minus runner-up."""

    test: str
    label: str
    lowest_shift: int
    highest_shift: int

    @property
    def impact(self) -> int:
        return max(abs(self.lowest_shift), abs(self.highest_shift))

    def as_dict(self) -> dict[str, Any]:
        return {
            "test": self.test,
            "label": self.label,
            "shift": [self.lowest_shift, self.highest_shift],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> NextTest:
        lowest, highest = data["shift"]
        return cls(
            test=data["test"], label=data["label"], lowest_shift=lowest, highest_shift=highest
        )


@dataclass(frozen=True)
class DiagnosisResult:
    """The engine's suggestion, for a clinician to confirm or override.

    `scores` are always the musculoskeletal totals, also for `red_flag` results. `competing`
    names the hypotheses that are too close to separate when `mixed` is true. `provisional` is
    true while the red-flag screen is not completed; `can_confirm` is false in that state
    unless the result is a red flag (a referral must never wait on paperwork).
    """

    label: str
    tier: str | None
    confidence: str
    scores: Points
    reasons: tuple[Reason, ...]
    notes: tuple[str, ...]
    next_tests: tuple[str, ...]
    rules_version: str
    relative_support: Mapping[str, float]
    red_flags: tuple[FlagHit, ...] = ()
    amber_flags: tuple[FlagHit, ...] = ()
    mixed: bool = False
    competing: tuple[str, ...] = ()
    indeterminate_reason: str | None = None
    leading: str | None = None
    provisional: bool = False
    can_confirm: bool = True
    summary: str = ""
    next_test_details: tuple[NextTest, ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; the first eight keys are the `diagnose` command's contract."""
        return {
            "label": self.label,
            "tier": self.tier,
            "confidence": self.confidence,
            "scores": self.scores.as_dict(),
            "reasons": [reason.as_dict() for reason in self.reasons],
            "notes": list(self.notes),
            "next_tests": list(self.next_tests),
            "rules_version": self.rules_version,
            "relative_support": dict(self.relative_support),
            "relative_support_caption": RELATIVE_SUPPORT_CAPTION,
            "red_flags": [hit.as_dict() for hit in self.red_flags],
            "amber_flags": [hit.as_dict() for hit in self.amber_flags],
            "mixed": self.mixed,
            "competing": list(self.competing),
            "indeterminate_reason": self.indeterminate_reason,
            "leading": self.leading,
            "provisional": self.provisional,
            "can_confirm": self.can_confirm,
            "summary": self.summary,
            "next_test_details": [test.as_dict() for test in self.next_test_details],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DiagnosisResult:
        """The result `as_dict()` gave, rebuilt equal to it (tests check the round trip, also
        through a PostgreSQL `jsonb` column, which reorders keys)."""
        return cls(
            label=data["label"],
            tier=data["tier"],
            confidence=data["confidence"],
            scores=Points(**data["scores"]),
            reasons=tuple(Reason.from_dict(reason) for reason in data["reasons"]),
            notes=tuple(data["notes"]),
            next_tests=tuple(data["next_tests"]),
            rules_version=data["rules_version"],
            relative_support={key: data["relative_support"][key] for key in HYPOTHESES},
            red_flags=tuple(FlagHit.from_dict(hit) for hit in data["red_flags"]),
            amber_flags=tuple(FlagHit.from_dict(hit) for hit in data["amber_flags"]),
            mixed=data["mixed"],
            competing=tuple(data["competing"]),
            indeterminate_reason=data["indeterminate_reason"],
            leading=data["leading"],
            provisional=data["provisional"],
            can_confirm=data["can_confirm"],
            summary=data["summary"],
            next_test_details=tuple(NextTest.from_dict(test) for test in data["next_test_details"]),
        )
