"""Which library exercises to suggest for a confirmed diagnosis: pure Python, no ORM.

The service (`exercises.suggestions.plan_suggest`) gathers the facts: the diagnosis and its
directional preference, the episode's rehab stage, the days since the injury and how irritable
the pain is (this week's portal logs, else the pain scores at assessment). The therapist edits
the suggestion before publishing it; every suggested exercise carries the reason it was chosen.

Rules:

* the stage sets the library phases on offer; while pain is irritable only early-phase
  exercises are offered, whatever the stage;
* no exercise before its earliest day after the injury (a library fact);
* at most one exercise of each movement family (a library fact): when irritable the gentlest
  one (early phase only), otherwise the one for the stage with room to progress;
* neural: one nerve slider; a tensioner and hamstring strengthening only once pain has settled;
* lumbar: the exercise for the recorded directional preference first (extension, flexion or
  lateral), never one for another direction, then direction-free ones; trunk and hamstring
  strengthening once pain has settled;
* acute strain: the strain exercises for the stage and the day; Nordics once pain has settled;
* mixed neural and lumbar: the lumbar exercise only, then a retest; nerve exercises come after
  the retest, so its result stays readable;
* red-flag referral or other: nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

MAX_ITEMS = 5
DX_LABELS = {
    "neural": "neural tissue sensitivity",
    "lumbar": "referred from the lumbar spine",
    "acute_strain": "acute hamstring strain",
    "mixed_neural_lumbar": "mixed neural and lumbar",
    "red_flag_referral": "red flag, referred on",
    "other": "another cause",
}

IRRITABLE, MODERATE, SETTLED = "irritable", "moderate", "settled"
#: A portal log with exercise pain at this level or above reads as irritable.
IRRITABLE_LOG_PAIN = 5
#: Without logs, pain now or at worst this week at these levels (intake NPRS) reads as irritable.
IRRITABLE_NPRS_NOW = 5
IRRITABLE_NPRS_WORST = 7

#: Rehab stage code (rehab/stages/v1.toml) -> the library phases on offer and the main one.
STAGE_PHASES = {
    "settle": (("early",), "early"),
    "restore_movement": (("early", "mid"), "mid"),
    "load": (("mid", "late"), "mid"),
    "return_to_run": (("mid", "late"), "late"),
    "return_to_speed": (("late",), "late"),
}
FIRST_STAGE = "settle"

SLIDER, TENSIONER = "nerve-slider", "nerve-tensioner"
HAMSTRING_STRENGTH, TRUNK_STRENGTH = "hamstring-strength", "trunk-strength"
NORDIC = "hamstring-eccentric"
PREFERENCE_REASONS = {
    "extension": "Bending backwards eased the symptoms (extension preference).",
    "flexion": "Bending forwards eased the symptoms (flexion preference).",
    "lateral": "Corrects the shift of the trunk to one side (lateral preference).",
}
RETEST = (
    "Treat the back first, then retest the slump and straight-leg raise; "
    "nerve exercises come after that retest."
)


class LibraryExercise(Protocol):
    code: str
    name: str
    tags: list[str]
    phases: list[str]
    kind: str
    directional_preference: str
    earliest_day: int | None
    family: str


@dataclass(frozen=True)
class Irritability:
    level: str  # IRRITABLE, MODERATE or SETTLED
    why: str  # the evidence, in a few words, e.g. "exercise pain up to 6/10 this week"

    @property
    def irritable(self) -> bool:
        return self.level == IRRITABLE

    @property
    def settled(self) -> bool:
        return self.level == SETTLED


def irritability(
    *,
    log_pains: Sequence[int],
    worse_next_morning: bool,
    pain_settled: bool,
    nprs_now: int | None,
    nprs_worst_week: int | None,
) -> Irritability:
    """How easily the pain flares. This week's portal logs count first (`pain_settled`: they
    meet the rehab stages' "pain settled" criterion); without logs, the pain scores recorded at
    assessment, which never read as settled: exercises have not been tried yet."""
    if log_pains:
        worst = max(log_pains)
        logs = f"{len(log_pains)} log{'s' if len(log_pains) != 1 else ''}"
        if worst >= IRRITABLE_LOG_PAIN:
            return Irritability(IRRITABLE, f"exercise pain up to {worst}/10 this week")
        if worse_next_morning:
            return Irritability(IRRITABLE, "worse the morning after exercising this week")
        if pain_settled:
            return Irritability(
                SETTLED, f"exercise pain at most {worst}/10 in {logs}, never worse next morning"
            )
        return Irritability(MODERATE, f"exercise pain up to {worst}/10 in {logs} this week")
    if nprs_now is None and nprs_worst_week is None:
        return Irritability(MODERATE, "no pain scores yet")
    scores = ", ".join(
        text
        for value, text in (
            (nprs_now, f"{nprs_now}/10 now"),
            (nprs_worst_week, f"{nprs_worst_week}/10 at worst this week"),
        )
        if value is not None
    )
    if (nprs_now or 0) >= IRRITABLE_NPRS_NOW or (nprs_worst_week or 0) >= IRRITABLE_NPRS_WORST:
        return Irritability(IRRITABLE, f"pain {scores} at assessment")
    return Irritability(MODERATE, f"pain {scores} at assessment, no exercise logs yet")


@dataclass(frozen=True)
class Facts:
    final_dx: str
    directional_preference: str = ""
    stage: str = FIRST_STAGE
    stage_label: str = "Settle"
    days_since_injury: int | None = None
    irritability: Irritability = Irritability(MODERATE, "no pain scores yet")


@dataclass(frozen=True)
class SuggestedItem:
    exercise: LibraryExercise
    reason: str  # for the therapist, kept on the plan item


@dataclass
class Suggestion:
    items: list[SuggestedItem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what waits, for the therapist

    @property
    def exercises(self) -> list[LibraryExercise]:
        return [item.exercise for item in self.items]


class _Picker:
    """The candidates the stage, irritability and day allow, and the best of each family."""

    def __init__(self, facts: Facts, exercises: Sequence[LibraryExercise]):
        self.facts = facts
        phases, self.primary = STAGE_PHASES.get(facts.stage, STAGE_PHASES[FIRST_STAGE])
        if facts.irritability.irritable:
            phases, self.primary = ("early",), "early"
        self.allowed = [ex for ex in exercises if set(ex.phases) & set(phases)]
        self.too_early: dict[str, LibraryExercise] = {}  # kept out by the day, by code

    def _on_day(self, exercise: LibraryExercise) -> bool:
        earliest, days = exercise.earliest_day, self.facts.days_since_injury
        if not earliest or (days is not None and days >= earliest):
            return True
        self.too_early[exercise.code] = exercise
        return False

    def waits(self, chosen: Sequence[LibraryExercise]) -> list[str]:
        """What the day kept out of families that got no exercise at all."""
        families = {ex.family or ex.code for ex in chosen}
        days = self.facts.days_since_injury
        when = "the injury date is unknown" if days is None else f"today is day {days}"
        return [
            f"{ex.name} waits until day {ex.earliest_day} after the injury ({when})."
            for ex in self.too_early.values()
            if (ex.family or ex.code) not in families
        ]

    def best(self, candidates: Sequence[LibraryExercise]) -> LibraryExercise | None:
        candidates = [ex for ex in candidates if self._on_day(ex)]
        gentle = self.facts.irritability.irritable

        def fit(ex):
            early_only = list(ex.phases) == ["early"]
            return (self.primary not in ex.phases, early_only != gentle, ex.code)

        return min(candidates, key=fit, default=None)

    def one_per_family(self, candidates: Sequence[LibraryExercise]) -> list[LibraryExercise]:
        """The best exercise of each family, in the order the families first appear."""
        families: dict[str, list[LibraryExercise]] = {}
        for ex in sorted(candidates, key=lambda ex: ex.code):
            families.setdefault(ex.family or ex.code, []).append(ex)
        picked = (self.best(group) for group in families.values())
        return [ex for ex in picked if ex is not None]

    def tagged(self, tag: str, families: set[str] = frozenset()) -> list[LibraryExercise]:
        """Allowed exercises with the tag (or of one of `families`), never one that needs a
        directional preference other than the recorded one."""
        return [
            ex
            for ex in self.allowed
            if (tag in ex.tags or ex.family in families)
            and ex.directional_preference in ("", self.facts.directional_preference)
        ]


def _stage_reason(facts: Facts, exercise: LibraryExercise) -> str:
    reason = f"Fits the {facts.stage_label} stage."
    if exercise.earliest_day:
        reason += (
            f" Allowed from day {exercise.earliest_day} after the injury;"
            f" today is day {facts.days_since_injury}."
        )
    return reason + _irritable_note(facts)


def _irritable_note(facts: Facts) -> str:
    if facts.irritability.irritable:
        return f" Gentlest option: pain is easily stirred up ({facts.irritability.why})."
    return ""


def _settled_note(facts: Facts) -> str:
    return f", now that pain has settled ({facts.irritability.why})."


def _neural(facts: Facts, picker: _Picker) -> list[SuggestedItem]:
    candidates = picker.tagged("neural", families={HAMSTRING_STRENGTH})
    items = []
    slider = picker.best([ex for ex in candidates if ex.family == SLIDER])
    if slider:
        reason = f"One nerve slider for the {facts.stage_label} stage (others are near-duplicates)."
        items.append(SuggestedItem(slider, reason + _irritable_note(facts)))
    if facts.irritability.settled:
        for family, label in ((TENSIONER, "Nerve tensioner"), (HAMSTRING_STRENGTH, "Strength")):
            chosen = picker.best([ex for ex in candidates if ex.family == family])
            if chosen:
                items.append(SuggestedItem(chosen, label + _settled_note(facts)))
    rest = [
        ex
        for ex in candidates
        if "neural" in ex.tags and ex.family not in (SLIDER, TENSIONER, HAMSTRING_STRENGTH)
    ]
    items += [SuggestedItem(ex, _stage_reason(facts, ex)) for ex in picker.one_per_family(rest)]
    return items


def _lumbar(facts: Facts, picker: _Picker) -> list[SuggestedItem]:
    strength = {TRUNK_STRENGTH, HAMSTRING_STRENGTH}
    candidates = picker.tagged("lumbar")
    preference = facts.directional_preference
    items = []
    if preference:
        matching = [ex for ex in candidates if ex.directional_preference == preference]
        items += [
            SuggestedItem(ex, PREFERENCE_REASONS.get(preference, "") + _irritable_note(facts))
            for ex in picker.one_per_family(matching)
        ]
    free = [ex for ex in candidates if not ex.directional_preference and ex.family not in strength]
    no_preference = "" if preference else " No directional preference recorded."
    items += [
        SuggestedItem(
            ex,
            f"Direction-free back movement for the {facts.stage_label} stage."
            + no_preference
            + _irritable_note(facts),
        )
        for ex in picker.one_per_family(free)
    ]
    if facts.irritability.settled:
        strong = [ex for ex in candidates if ex.family in strength]
        items += [
            SuggestedItem(ex, "Strengthening" + _settled_note(facts))
            for ex in picker.one_per_family(strong)
        ]
    return items


def _acute_strain(facts: Facts, picker: _Picker) -> list[SuggestedItem]:
    candidates = [
        ex
        for ex in picker.tagged("acute_strain")
        if ex.family != NORDIC or facts.irritability.settled
    ]
    chosen = picker.one_per_family(candidates)
    chosen.sort(key=lambda ex: (picker.primary not in ex.phases, ex.code))
    return [SuggestedItem(ex, _stage_reason(facts, ex)) for ex in chosen]


def _mixed(facts: Facts, picker: _Picker) -> list[SuggestedItem]:
    lumbar = _lumbar(facts, picker)[:1]
    return [SuggestedItem(item.exercise, f"{item.reason} {RETEST}") for item in lumbar]


def suggest_plan_items(*, facts: Facts, exercises: Sequence[LibraryExercise]) -> Suggestion:
    """Up to five exercises in the order they should appear, each with its reason; empty for a
    diagnosis with no home plan. `notes` says what waits (a retest, an earliest day)."""
    if facts.directional_preference in (None, "none"):
        facts = replace(facts, directional_preference="")
    rule = RULES.get(facts.final_dx)
    if rule is None:
        return Suggestion()
    picker = _Picker(facts, exercises)
    items = rule(facts, picker)[:MAX_ITEMS]
    mixed = facts.final_dx == "mixed_neural_lumbar"
    notes = [f"Mixed neural and lumbar: {RETEST}"] if mixed else []
    notes += picker.waits([item.exercise for item in items])
    return Suggestion(items=items, notes=notes)


RULES = {
    "neural": _neural,
    "lumbar": _lumbar,
    "acute_strain": _acute_strain,
    "mixed_neural_lumbar": _mixed,
}
