"""The rehab stages per diagnosis, loaded from a versioned data file (`stages/v1.toml`).

The file is checked when this module is imported, so a bad entry stops the site with a
message naming it (the same habit as assessments/diagnosis/schema.py). Plain Python: no ORM.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

STAGES_PATH = Path(__file__).resolve().parent / "stages" / "v1.toml"

#: Each rule and the parameters it needs (name -> accepted Python types).
RULES: dict[str, dict[str, tuple[type, ...]]] = {
    "pain_settled": {"max_pain": (int,), "days": (int,), "min_logs": (int,)},
    "side_difference": {"affected": (str,), "other": (str,), "under": (int, float)},
    "at_most": {"measure": (str,), "value": (int, float)},
    "at_least": {"measure": (str,), "value": (int, float)},
    "equals": {"measure": (str,), "value": (str, bool)},
}

#: The measure keys of the shared contract (clinic/plugins.py); a rule may read no other.
MEASURE_KEYS = frozenset(
    {
        "slr_angle_affected_deg",
        "slr_angle_other_deg",
        "slump_knee_ext_deficit_deg",
        "knee_flexion_strength_pct",
        "h_test",
        "run_programme_completed",
        "run_programme_step",
    }
)

#: The final diagnoses a decision can name (AssessmentDecision.FinalDx).
DIAGNOSES = frozenset(
    {"neural", "lumbar", "acute_strain", "red_flag_referral", "mixed_neural_lumbar", "other"}
)


class StagesError(ValueError):
    """The stages file is malformed; the message names the file and the entry."""


@dataclass(frozen=True)
class Criterion:
    code: str
    label: str
    patient_label: str
    rule: str
    params: dict = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class Stage:
    code: str
    label: str
    patient_text: str
    exit: tuple[str, ...]


@dataclass(frozen=True)
class StageList:
    name: str
    stages: tuple[Stage, ...]

    def index_of(self, code: str) -> int | None:
        for index, stage in enumerate(self.stages):
            if stage.code == code:
                return index
        return None


@dataclass(frozen=True)
class Catalogue:
    version: str
    criteria: dict[str, Criterion]
    stage_lists: dict[str, StageList]
    diagnoses: dict[str, str]

    def stage_list_for(self, final_dx: str | None) -> StageList | None:
        """The stages a confirmed diagnosis follows; None for none (or a red-flag referral)."""
        name = self.diagnoses.get(final_dx or "")
        return self.stage_lists[name] if name else None


def load(path: Path | str = STAGES_PATH) -> Catalogue:
    """Read and check a stages file. Raises `StagesError` naming the first bad entry."""
    path = Path(path)
    where = path.name
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise StagesError(f"{where}: cannot be read: {error}") from error
    unknown = set(data) - {"version", "criteria", "stage_lists", "diagnoses"}
    if unknown:
        raise StagesError(f"{where}: unknown top-level key(s) {', '.join(sorted(unknown))}")
    expected = path.stem.removeprefix("v").replace("_", ".")
    if data.get("version") != expected:
        raise StagesError(f"{where}: version must be {expected!r} (the file name)")
    criteria = {
        code: _criterion(code, entry, f"{where}, [criteria.{code}]")
        for code, entry in _table(data, "criteria", where).items()
    }
    if not criteria:
        raise StagesError(f"{where}: lists no [criteria]")
    stage_lists = {
        name: _stage_list(name, entries, criteria, f"{where}, stage_lists.{name}")
        for name, entries in _table(data, "stage_lists", where).items()
    }
    diagnoses = _table(data, "diagnoses", where)
    for dx, name in diagnoses.items():
        if dx not in DIAGNOSES:
            raise StagesError(f"{where}, [diagnoses] {dx!r}: not a diagnosis a decision can name")
        if name not in stage_lists:
            raise StagesError(f"{where}, [diagnoses] {dx!r}: no stage list named {name!r}")
    return Catalogue(
        version=data["version"], criteria=criteria, stage_lists=stage_lists, diagnoses=diagnoses
    )


def _table(data: dict, key: str, where: str) -> dict:
    table = data.get(key, {})
    if not isinstance(table, dict):
        raise StagesError(f"{where}: {key} must be a table")
    return table


def _text(entry: dict, key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise StagesError(f"{where}: {key} must be non-empty text")
    return value


def _criterion(code: str, entry: object, where: str) -> Criterion:
    if not isinstance(entry, dict):
        raise StagesError(f"{where}: must be a table")
    if not code.isidentifier():
        raise StagesError(f"{where}: the code must be a Python identifier")
    rule = entry.get("rule")
    if rule not in RULES:
        raise StagesError(f"{where}: rule must be one of {', '.join(sorted(RULES))}, got {rule!r}")
    wanted = RULES[rule]
    unknown = set(entry) - {"label", "patient_label", "rule"} - set(wanted)
    if unknown:
        raise StagesError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    params = {}
    for name, types in wanted.items():
        value = entry.get(name)
        # True is an int to Python: a number parameter must not accept it by accident.
        wrong_bool = isinstance(value, bool) and bool not in types
        if value is None or wrong_bool or not isinstance(value, types):
            raise StagesError(f"{where}: {name} is missing or of the wrong type")
        if name in ("measure", "affected", "other") and value not in MEASURE_KEYS:
            raise StagesError(f"{where}: {name} {value!r} is not a known measure key")
        params[name] = value
    return Criterion(
        code=code,
        label=_text(entry, "label", where),
        patient_label=_text(entry, "patient_label", where),
        rule=rule,
        params=params,
    )


def _stage_list(
    name: str, entries: object, criteria: dict[str, Criterion], where: str
) -> StageList:
    if not isinstance(entries, list) or not entries:
        raise StagesError(f"{where}: must be a non-empty list of [[stage_lists.{name}]] tables")
    stages, seen = [], set()
    for number, entry in enumerate(entries, start=1):
        label = f"{where} entry {number}"
        if not isinstance(entry, dict):
            raise StagesError(f"{label}: must be a table")
        unknown = set(entry) - {"code", "label", "patient_text", "exit"}
        if unknown:
            raise StagesError(f"{label}: unknown key(s) {', '.join(sorted(unknown))}")
        code = _text(entry, "code", label)
        label = f"{label} ({code!r})"
        if code in seen:
            raise StagesError(f"{label}: the code is used twice")
        seen.add(code)
        exits = entry.get("exit")
        if not isinstance(exits, list) or not exits:
            raise StagesError(f"{label}: exit must list at least one criterion")
        for criterion in exits:
            if criterion not in criteria:
                raise StagesError(f"{label}: exit names unknown criterion {criterion!r}")
        stages.append(
            Stage(
                code=code,
                label=_text(entry, "label", label),
                patient_text=_text(entry, "patient_text", label),
                exit=tuple(exits),
            )
        )
    return StageList(name=name, stages=tuple(stages))


CATALOGUE = load()


def stage_label(stage_list: str, code: str) -> str:
    """A stage's label in the current catalogue; a code no longer there reads as itself."""
    stages = CATALOGUE.stage_lists.get(stage_list)
    index = stages.index_of(code) if stages else None
    return stages.stages[index].label if index is not None else code.replace("_", " ").capitalize()
