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
from assessments.diagnosis.result import DiagnosisResult, InvalidFindingsError
from assessments.diagnosis.ruleset import load_rules

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


def findings_digest(findings: Mapping[str, object]) -> str:
    """A digest of `Assessment.findings()` (numbers as floats, lists as stored)."""
    canonical = repr(sorted(findings.items())).encode()
    return hashlib.blake2b(canonical, digest_size=16).hexdigest()


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
        return DiagnosisResult.from_dict(stored["result"])
    return engine.diagnose(findings, load_rules())


def matches(stored: Mapping | None, findings: Mapping[str, object]) -> bool:
    """Whether `stored` was worked out from these findings by this engine and these rules."""
    return bool(
        stored
        and stored.get("engine") == engine_digest()
        and stored.get("rules_version") == load_rules().version
        and stored.get("findings") == findings_digest(findings)
    )
