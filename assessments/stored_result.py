"""The engine's result stored with the assessment it was worked out from.

The assessment page shows the engine's suggestion for the saved findings on every view, and
running the engine was the largest single piece of the page's own Python. The services that
save findings (`assessment_create`, `assessment_save_draft`, `assessment_amend`) therefore
store the result beside them, in `Assessment.engine_result`, with what it was worked out from:

* `engine`: a digest of the engine itself, its code and its data files (the rules of every
  version and the field catalogue), worked out once per process;
* `rules_version`: the rules version that produced it (always the current one);
* `findings`: a digest of the findings it was worked out from.

The page uses the stored result only when all three match what it would run now, so it is not
a cache with rules to keep it fresh: findings changed by any other path (an `update()`, raw
SQL, the admin), a deploy that touches the engine or its rules, or a row stored before this
column existed all fail the check, and the page runs the engine as before. Results are never
written on a page view; `manage.py assessment_results_store` fills or refreshes them (after a
deploy that changes the engine, and after `seed_load`'s bulk COPY).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from pathlib import Path

from assessments.diagnosis import engine
from assessments.diagnosis.result import (
    DiagnosisResult,
    FlagHit,
    InvalidFindingsError,
    NextTest,
    Reason,
)
from assessments.diagnosis.ruleset import HYPOTHESES, Points, load_rules
from assessments.diagnosis.schema import FIELDS

_ENGINE_FILES = ("*.py", "rules/*.toml", "fields/*.toml")


@functools.cache
def engine_digest() -> str:
    """What the engine's answers depend on besides the findings: its code and data files."""
    folder = Path(engine.__file__).parent
    digest = hashlib.sha256()
    for pattern in _ENGINE_FILES:
        for path in sorted(folder.glob(pattern)):
            digest.update(path.relative_to(folder).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


#: Each catalogue name, in sorted order, with the text that opens its pair in
#: `repr(sorted(findings.items()))`: "('name', ".
_OPENINGS = {name: f"({name!r}, " for name in sorted(FIELDS)}


def findings_digest(findings: Mapping[str, object]) -> str:
    """A digest of `Assessment.findings()` (numbers as floats, lists as stored): blake2b of
    `repr(sorted(findings.items()))`, the text every stored result was written with.

    The findings of a saved assessment are all catalogue names, so that text is written here
    without sorting or `repr`-ing the pairs: the names are walked in their sorted order, each
    with its opening kept above, and only the values go through `repr`. The sort and the
    tuples' `repr` were most of the page's check of its stored result. Any other mapping (a
    name outside the catalogue, or nothing) takes the general path; tests hold the two
    texts equal."""
    values = [
        opening + repr(findings[name]) for name, opening in _OPENINGS.items() if name in findings
    ]
    if values and len(values) == len(findings):
        canonical = f"[{'), '.join(values)})]"
    else:
        canonical = repr(sorted(findings.items()))
    return hashlib.blake2b(canonical.encode(), digest_size=16).hexdigest()


def record(findings: Mapping[str, object]) -> dict | None:
    """What `Assessment.engine_result` holds for these findings under the current rules (None
    when they break the schema: the page then runs the engine and shows its refusal)."""
    rules = load_rules()
    try:
        result = engine.diagnose(findings, rules)
    except InvalidFindingsError:
        return None
    return {
        "engine": engine_digest(),
        "rules_version": rules.version,
        "findings": findings_digest(findings),
        "result": result.as_dict(),
    }


def current_result(stored: Mapping | None, findings: Mapping[str, object]) -> DiagnosisResult:
    """The engine's result for `findings` under the current rules: the stored one when it was
    worked out from these findings by this engine and these rules, else a fresh run."""
    if matches(stored, findings):
        return rebuilt(stored["result"])
    return engine.diagnose(findings, load_rules())


_new = object.__new__


def _made(cls, values: dict):
    """`cls(**values)` for a frozen dataclass of the engine's result (no `__post_init__`,
    no defaults left out): its fields set at once, where its `__init__` sets each through
    `object.__setattr__`."""
    made = _new(cls)
    made.__dict__.update(values)
    return made


def _points(data: Mapping) -> Points:
    return _made(
        Points,
        {"neural": data["neural"], "lumbar": data["lumbar"], "acute_strain": data["acute_strain"]},
    )


def _reason(data: Mapping) -> Reason:
    value = data["value"]
    return _made(
        Reason,
        {
            "finding": data["finding"],
            "value": tuple(value) if isinstance(value, list) else value,
            "text": data["text"],
            "points": _points(data["points"]),
            "kind": data["kind"],
            "basis": data["basis"],
        },
    )


def _hit(data: Mapping) -> FlagHit:
    return _made(
        FlagHit,
        {
            "id": data["id"],
            "tier": data["tier"],
            "concern": data["concern"],
            "text": data["text"],
            "stronger": data["stronger"],
            "action": data["action"],
        },
    )


def _test(data: Mapping) -> NextTest:
    lowest, highest = data["shift"]
    return _made(
        NextTest,
        {
            "test": data["test"],
            "label": data["label"],
            "lowest_shift": lowest,
            "highest_shift": highest,
        },
    )


def rebuilt(data: Mapping) -> DiagnosisResult:
    """`DiagnosisResult.from_dict(data)` (equal to it, field for field: tests compare the two
    on the engine's records), built without the frozen dataclasses' `__init__`s: a stored
    result is used only when `matches` found it written by this engine's own `as_dict`, so
    every key is there. About half of `from_dict`'s cost, the page's largest rebuild."""
    return _made(
        DiagnosisResult,
        {
            "label": data["label"],
            "tier": data["tier"],
            "confidence": data["confidence"],
            "scores": _points(data["scores"]),
            "reasons": tuple(map(_reason, data["reasons"])),
            "notes": tuple(data["notes"]),
            "next_tests": tuple(data["next_tests"]),
            "rules_version": data["rules_version"],
            "relative_support": {key: data["relative_support"][key] for key in HYPOTHESES},
            "red_flags": tuple(map(_hit, data["red_flags"])),
            "amber_flags": tuple(map(_hit, data["amber_flags"])),
            "mixed": data["mixed"],
            "competing": tuple(data["competing"]),
            "indeterminate_reason": data["indeterminate_reason"],
            "leading": data["leading"],
            "provisional": data["provisional"],
            "can_confirm": data["can_confirm"],
            "summary": data["summary"],
            "next_test_details": tuple(map(_test, data["next_test_details"])),
        },
    )


def matches(stored: Mapping | None, findings: Mapping[str, object]) -> bool:
    """Whether `stored` was worked out from these findings by this engine and these rules."""
    return bool(
        stored
        and stored.get("engine") == engine_digest()
        and stored.get("rules_version") == load_rules().version
        and stored.get("findings") == findings_digest(findings)
    )
