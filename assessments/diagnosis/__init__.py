"""Differential diagnosis for recurrent posterior-thigh pain in runners (pure Python).

Public API:

* `diagnose(findings, rules=None) -> DiagnosisResult`: the engine (SPEC section 3, rules 1.2
  by default; pass `rules_for_version("1.1")` to see what 1.1 said).
* `validate_findings(findings) -> list[FieldError]`: checks a findings mapping against the
  intake schema; `FIELDS` holds one `FieldSpec` per SPEC section 2 field.
* `default_final_dx(result)`: the clinician's pre-selected final diagnosis (SPEC 3.9a-18).
* `load_rules(path=None) -> Rules`: the versioned weight table and thresholds.
* `rules_for_version(version) -> Rules`: the rules a recorded result was made with.
"""

from .engine import default_final_dx, diagnose
from .result import (
    HYPOTHESIS_NAMES,
    INDETERMINATE_REASONS,
    LABELS,
    RELATIVE_SUPPORT_CAPTION,
    DiagnosisResult,
    FlagHit,
    InvalidFindingsError,
    NextTest,
    Reason,
)
from .ruleset import (
    BANDS,
    HYPOTHESES,
    TIERS,
    Points,
    Rules,
    RulesError,
    load_rules,
    rules_for_version,
)
from .schema import (
    DECISION_FIELDS,
    FIELDS,
    FINAL_DX_CHOICES,
    FieldError,
    FieldSpec,
    FilledBy,
    Group,
    Kind,
    fields_in_group,
    validate_findings,
)

__all__ = [
    "BANDS",
    "DECISION_FIELDS",
    "FIELDS",
    "FINAL_DX_CHOICES",
    "HYPOTHESES",
    "HYPOTHESIS_NAMES",
    "INDETERMINATE_REASONS",
    "LABELS",
    "RELATIVE_SUPPORT_CAPTION",
    "TIERS",
    "DiagnosisResult",
    "FieldError",
    "FieldSpec",
    "FilledBy",
    "FlagHit",
    "Group",
    "InvalidFindingsError",
    "Kind",
    "NextTest",
    "Points",
    "Reason",
    "Rules",
    "RulesError",
    "default_final_dx",
    "diagnose",
    "fields_in_group",
    "load_rules",
    "rules_for_version",
    "validate_findings",
]
