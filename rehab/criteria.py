"""Whether a stage's exit criteria are met: a pure module (no ORM, no request).

Input: the episode's measures under the shared contract's keys (clinic/plugins.py: key ->
{"value", "on", "source"}) and the facts of the patient's portal exercise logs. Output: one
result per criterion, "met", "not met" or "not yet measured", with the value, date and source
behind it. A measure that is missing, or recorded as "not done", is never read as met.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from clinic.filters import day_month
from rehab.catalogue import Criterion, Stage

MET, NOT_MET, NOT_MEASURED = "met", "not_met", "not_measured"
STATUS_LABELS = {MET: "Met", NOT_MET: "Not met", NOT_MEASURED: "Not yet measured"}
#: Values that mean the test was not done: the same as no value at all.
NOT_DONE = frozenset({"not_done", ""})
SHOWN = {"negative": "Negative", "positive": "Positive", True: "Yes", False: "No"}

Measures = Mapping[str, Mapping]


@dataclass(frozen=True)
class PainLog:
    """One day's portal exercise log: pain during (0-10) and whether the patient was worse on
    the morning after the session before (None: not asked or not answered)."""

    on: dt.date
    pain_during: int
    worse_next_morning: bool | None


@dataclass(frozen=True)
class PainFacts:
    today: dt.date  # in the patient's own time zone
    logs: tuple[PainLog, ...] = ()


@dataclass(frozen=True)
class CriterionResult:
    code: str
    label: str
    patient_label: str
    status: str
    value: str = ""
    on: dt.date | None = None
    source: str = ""

    @property
    def met(self) -> bool:
        return self.status == MET

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    def as_json(self) -> dict:
        """The result as it stood, for a snapshot that never changes afterwards."""
        return {
            "code": self.code,
            "label": self.label,
            "status": self.status,
            "value": self.value,
            "on": self.on.isoformat() if self.on else None,
            "source": self.source,
        }


def evaluate(criterion: Criterion, measures: Measures, pain: PainFacts) -> CriterionResult:
    """One criterion against the measures and logs."""
    rule = _RULES[criterion.rule]
    status, value, on, source = rule(criterion.params, measures, pain)
    return CriterionResult(
        code=criterion.code,
        label=criterion.label,
        patient_label=criterion.patient_label,
        status=status,
        value=value,
        on=on,
        source=source,
    )


def evaluate_stage(
    stage: Stage, criteria: Mapping[str, Criterion], measures: Measures, pain: PainFacts
) -> list[CriterionResult]:
    """The stage's exit criteria, in the order the data file lists them."""
    return [evaluate(criteria[code], measures, pain) for code in stage.exit]


def all_met(results: Iterable[CriterionResult]) -> bool:
    return all(result.met for result in results)


#: The parameters that name a measure key ("equals" on the programme's completion also words
#: a "not finished" with the step it is at).
_KEY_PARAMS = ("affected", "other", "measure")


def measure_keys(criterion: Criterion) -> frozenset[str]:
    """The measure keys `evaluate` reads for the criterion (none for the exercise logs' rule)."""
    keys = {criterion.params[name] for name in _KEY_PARAMS if name in criterion.params}
    if "run_programme_completed" in keys:
        keys.add("run_programme_step")
    return frozenset(keys)


def shown(key: str, value) -> str:
    """A measure's value as people read it: degrees, percent, plain words."""
    if isinstance(value, bool) or value in SHOWN:
        return SHOWN.get(value, str(value))
    if key.endswith("_deg"):
        return f"{value:g}°" if isinstance(value, int | float) else f"{value}°"
    if key.endswith("_pct"):
        return f"{value:g}%" if isinstance(value, int | float) else f"{value}%"
    return str(value).replace("_", " ")


def _recorded(measures: Measures, key: str) -> Mapping | None:
    entry = measures.get(key)
    if not entry or entry.get("value") is None or entry.get("value") in NOT_DONE:
        return None
    return entry


def _number(entry: Mapping) -> float | None:
    value = entry["value"]
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _pain_settled(params, measures, pain: PainFacts):
    since = pain.today - dt.timedelta(days=params["days"] - 1)
    logs = sorted(
        (log for log in pain.logs if since <= log.on <= pain.today), key=lambda log: log.on
    )
    days = params["days"]
    if not logs:
        return NOT_MEASURED, f"No exercise log in the last {days} days", None, ""
    source = f"Portal exercise logs, {day_month(logs[0].on)} to {day_month(logs[-1].on)}"
    last = logs[-1].on
    if len(logs) < params["min_logs"]:
        count = "1 log" if len(logs) == 1 else f"{len(logs)} logs"
        return NOT_MEASURED, f"Only {count} in {days} days: too few to judge", last, source
    worst = max(logs, key=lambda log: (log.pain_during, log.on))
    worse_mornings = [log for log in logs if log.worse_next_morning]
    value = f"Highest pain {worst.pain_during}/10 in {len(logs)} logs"
    if worst.pain_during > params["max_pain"]:
        return NOT_MET, f"{value} (on {day_month(worst.on)})", last, source
    if worse_mornings:
        when = day_month(worse_mornings[-1].on)
        return NOT_MET, f"{value}; worse the next morning (said on {when})", last, source
    return MET, f"{value}; never worse the next morning", last, source


def _side_difference(params, measures, pain):
    affected = _recorded(measures, params["affected"])
    other = _recorded(measures, params["other"])
    if affected is None or other is None:
        return NOT_MEASURED, "Needs the angle on both sides", None, ""
    low, high = _number(affected), _number(other)
    if low is None or high is None:
        return NOT_MEASURED, "Needs the angle on both sides", None, ""
    short = high - low
    on = max(affected["on"], other["on"])
    sources = {affected.get("source", ""), other.get("source", "")}
    source = "; ".join(sorted(s for s in sources if s))
    value = f"{short:g}° short of the other side ({low:g}° against {high:g}°)"
    if short <= 0:
        value = f"Level with the other side ({low:g}° against {high:g}°)"
    return (MET if short < params["under"] else NOT_MET), value, on, source


def _compare(met):
    def rule(params, measures, pain):
        entry = _recorded(measures, params["measure"])
        number = _number(entry) if entry is not None else None
        if number is None:
            return NOT_MEASURED, "", None, ""
        value = shown(params["measure"], entry["value"])
        status = MET if met(number, params["value"]) else NOT_MET
        return status, value, entry["on"], entry.get("source", "")

    return rule


def _equals(params, measures, pain):
    key = params["measure"]
    entry = _recorded(measures, key)
    if entry is None:
        return NOT_MEASURED, "", None, ""
    status = MET if entry["value"] == params["value"] else NOT_MET
    value = shown(key, entry["value"])
    step = _recorded(measures, "run_programme_step")
    if key == "run_programme_completed" and status == NOT_MET and step is not None:
        value = f"Not finished: now at {step['value']}"
    return status, value, entry["on"], entry.get("source", "")


_RULES = {
    "pain_settled": _pain_settled,
    "side_difference": _side_difference,
    "at_most": _compare(lambda number, limit: number <= limit),
    "at_least": _compare(lambda number, limit: number >= limit),
    "equals": _equals,
}
