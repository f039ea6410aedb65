"""The intake findings contract (SPEC section 2), in one place.

Every finding the engine reads is declared here once: its exact name, its kind, the values it
may take (in SPEC order), numeric bounds, who records it and which intake group it belongs to,
plus a short clinician-facing label and help text. The model and form layer iterates `FIELDS`
to build its fields; the engine and the `diagnose` command call `validate_findings`.

`None` (or an absent key) always means "not recorded". It is a state of its own and is never
read as "no" or "negative" anywhere in the engine.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum

Choices = tuple[tuple[str, str], ...]


class Kind(StrEnum):
    """How a field's value is shaped."""

    INT = "int"
    NUMBER = "number"  # int or float, for averaged scores such as the PSFS mean
    ENUM = "enum"
    MULTI_ENUM = "multi_enum"
    BOOL = "bool"
    TEXT = "text"


class Group(StrEnum):
    """The intake section a field belongs to, in the order the form presents them."""

    CONTEXT = "context"
    HISTORY = "history"
    SYMPTOMS = "symptoms"
    RUNNING = "running"
    TESTS = "tests"
    RED_FLAGS = "red_flags"
    OUTCOMES = "outcomes"
    DECISION = "decision"  # clinician's audit fields; never a finding


class FilledBy(StrEnum):
    """Who records the field: the patient's questionnaire, the clinician, or either."""

    PATIENT = "P"
    CLINICIAN = "C"
    EITHER = "P/C"


@dataclass(frozen=True)
class FieldSpec:
    """One intake field. `choices` are `(value, label)` pairs, ready for `TextChoices`."""

    name: str
    kind: Kind
    group: Group
    filled_by: FilledBy
    label: str
    help_text: str = ""
    choices: Choices = ()
    min_value: int | None = None
    max_value: int | None = None
    decimal_places: int | None = None  # only for Kind.NUMBER

    @property
    def values(self) -> tuple[str, ...]:
        """The allowed stored values, in SPEC order (empty unless an enum)."""
        return tuple(value for value, _ in self.choices)

    def choice_label(self, value: object) -> str:
        """The human label of an enum value, or the value itself as text."""
        return dict(self.choices).get(value, str(value)) if isinstance(value, str) else str(value)


@dataclass(frozen=True)
class FieldError:
    """A problem with one field of one findings mapping."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


# --- value sets shared by several fields -------------------------------------------------

_AGGRAVATION: Choices = (
    ("worse", "Worse"),
    ("no_change", "No change"),
    ("better", "Better"),
    ("not_tried", "Not tried"),
)
_NOT_DONE = ("not_done", "Not done")
_NONE = ("none", "None")
_NPRS_HELP = "0 means no pain, 10 the worst pain imaginable."


def _bool_field(name: str, group: Group, by: FilledBy, label: str, help_text: str) -> FieldSpec:
    return FieldSpec(name, Kind.BOOL, group, by, label, help_text)


def _red_flag(name: str, label: str, help_text: str, by: FilledBy = FilledBy.EITHER) -> FieldSpec:
    return _bool_field(name, Group.RED_FLAGS, by, label, help_text)


def _aggravator(name: str, label: str, help_text: str) -> FieldSpec:
    return FieldSpec(
        name, Kind.ENUM, Group.RUNNING, FilledBy.PATIENT, label, help_text, _AGGRAVATION
    )


_P, _C, _PC = FilledBy.PATIENT, FilledBy.CLINICIAN, FilledBy.EITHER

_SPECS: tuple[FieldSpec, ...] = (
    # 2.1 Context
    FieldSpec(
        "age_years",
        Kind.INT,
        Group.CONTEXT,
        _P,
        "Age (years)",
        "Age at this assessment.",
        min_value=12,
        max_value=100,
    ),
    FieldSpec(
        "sex",
        Kind.ENUM,
        Group.CONTEXT,
        _P,
        "Sex",
        "",
        (
            ("female", "Female"),
            ("male", "Male"),
            ("other", "Other"),
            ("not_stated", "Prefers not to say"),
        ),
    ),
    FieldSpec(
        "affected_side",
        Kind.ENUM,
        Group.CONTEXT,
        _P,
        "Side affected",
        "",
        (("left", "Left"), ("right", "Right"), ("bilateral", "Both sides")),
    ),
    FieldSpec(
        "weekly_running_km",
        Kind.INT,
        Group.CONTEXT,
        _P,
        "Running per week (km)",
        "A typical week before the symptoms started.",
        min_value=0,
    ),
    FieldSpec(
        "main_terrain",
        Kind.ENUM,
        Group.CONTEXT,
        _P,
        "Usual running surface",
        "",
        (
            ("road", "Road"),
            ("trail_hilly", "Trail or hills"),
            ("track", "Track"),
            ("treadmill", "Treadmill"),
            ("mixed", "A mix"),
        ),
    ),
    # 2.2 History
    FieldSpec(
        "symptom_duration",
        Kind.ENUM,
        Group.HISTORY,
        _P,
        "How long the symptoms have lasted",
        "",
        (
            ("under_2_weeks", "Less than 2 weeks"),
            ("2_to_6_weeks", "2 to 6 weeks"),
            ("6_to_12_weeks", "6 to 12 weeks"),
            ("3_to_12_months", "3 to 12 months"),
            ("over_12_months", "More than a year"),
        ),
    ),
    FieldSpec(
        "onset_type",
        Kind.ENUM,
        Group.HISTORY,
        _P,
        "How it started",
        "",
        (
            ("sudden_during_running", "Suddenly, while running"),
            ("sudden_other_activity", "Suddenly, during another activity"),
            ("gradual", "Gradually"),
            ("unsure", "Not sure"),
        ),
    ),
    FieldSpec(
        "onset_mechanism",
        Kind.ENUM,
        Group.HISTORY,
        _P,
        "What was happening at the start",
        "",
        (
            ("sprint_or_acceleration", "Sprinting or accelerating"),
            ("overstretch_or_slip", "An overstretch or a slip"),
            ("direct_blow", "A direct blow"),
            ("none", "Nothing in particular"),
        ),
    ),
    _bool_field(
        "felt_pop_or_tear",
        Group.HISTORY,
        _P,
        "Felt a pop or tearing",
        "A sensation of something giving way at the moment it started.",
    ),
    _bool_field(
        "stopped_immediately",
        Group.HISTORY,
        _P,
        "Had to stop straight away",
        "Could not carry on with the activity when it started.",
    ),
    FieldSpec(
        "previous_hamstring_injury",
        Kind.ENUM,
        Group.HISTORY,
        _P,
        "Earlier hamstring injuries",
        "",
        (
            _NONE,
            ("minor_strains_or_microtrauma", "Minor strains or niggles"),
            ("significant_tear", "A significant tear"),
            ("recurrent_tears", "Repeated tears"),
            ("surgical_repair", "Surgically repaired"),
        ),
    ),
    FieldSpec(
        "last_hamstring_injury_ago",
        Kind.ENUM,
        Group.HISTORY,
        _P,
        "Time since the last hamstring injury",
        "",
        (
            _NONE,
            ("under_6_weeks", "Less than 6 weeks"),
            ("6_weeks_to_6_months", "6 weeks to 6 months"),
            ("over_6_months", "More than 6 months"),
        ),
    ),
    FieldSpec(
        "previous_low_back_injury",
        Kind.ENUM,
        Group.HISTORY,
        _P,
        "Earlier low-back problems",
        "",
        (
            _NONE,
            ("past_resolved", "In the past, now settled"),
            ("recurrent", "Keeps coming back"),
            ("ongoing", "Still ongoing"),
        ),
    ),
    FieldSpec(
        "low_back_stiffness",
        Kind.ENUM,
        Group.HISTORY,
        _P,
        "Low-back stiffness",
        "",
        (_NONE, ("occasional", "Now and then"), ("regular", "Regularly")),
    ),
    FieldSpec(
        "current_low_back_pain",
        Kind.ENUM,
        Group.HISTORY,
        _P,
        "Low-back pain at present",
        "",
        (_NONE, ("mild", "Mild"), ("moderate_or_severe", "Moderate or severe")),
    ),
    FieldSpec(
        "stretching_response",
        Kind.ENUM,
        Group.HISTORY,
        _P,
        "What stretching the hamstring does",
        "",
        (
            ("relieves", "Relieves it"),
            ("no_lasting_change", "No lasting change"),
            ("aggravates", "Makes it worse"),
            ("not_tried", "Not tried"),
        ),
    ),
    FieldSpec(
        "episodes_last_12_months",
        Kind.INT,
        Group.HISTORY,
        _P,
        "Episodes in the last 12 months",
        "Separate flare-ups, counting this one.",
        min_value=0,
    ),
    # 2.3 Symptom features
    FieldSpec(
        "pain_location",
        Kind.MULTI_ENUM,
        Group.SYMPTOMS,
        _P,
        "Where it hurts",
        "Every area marked on the body chart.",
        (
            ("buttock", "Buttock"),
            ("ischial_tuberosity", "Sitting bone"),
            ("upper_posterior_thigh", "Upper back of thigh"),
            ("mid_posterior_thigh", "Middle back of thigh"),
            ("lower_posterior_thigh", "Lower back of thigh"),
            ("back_of_knee", "Back of knee"),
            ("calf", "Calf"),
            ("foot", "Foot"),
            ("low_back", "Low back"),
        ),
    ),
    _bool_field(
        "pain_below_knee",
        Group.SYMPTOMS,
        _P,
        "Symptoms reach below the knee",
        "If left blank, the body chart decides (calf or foot marked).",
    ),
    FieldSpec(
        "pain_quality",
        Kind.MULTI_ENUM,
        Group.SYMPTOMS,
        _P,
        "What the pain feels like",
        "Tick every word that fits.",
        (
            ("tightness", "Tightness"),
            ("sharp", "Sharp"),
            ("nipping", "Nipping"),
            ("pinpoint", "Pinpoint"),
            ("tight_band_pulling", "A tight band or pulling"),
            ("dull_ache", "Dull ache"),
            ("burning", "Burning"),
            ("electric_shooting", "Electric or shooting"),
            ("cramping", "Cramping"),
        ),
    ),
    FieldSpec(
        "pain_distribution",
        Kind.ENUM,
        Group.SYMPTOMS,
        _PC,
        "How the pain spreads",
        "",
        (
            ("pinpoint_focal", "One small spot"),
            ("narrow_band", "A narrow strip"),
            ("diffuse_deep_ache", "A deep, spread-out ache"),
        ),
    ),
    FieldSpec(
        "paraesthesia",
        Kind.ENUM,
        Group.SYMPTOMS,
        _P,
        "Pins and needles or numbness",
        "",
        (
            _NONE,
            ("tingling", "Tingling"),
            ("numbness", "Numbness"),
            ("tingling_and_numbness", "Tingling and numbness"),
        ),
    ),
    FieldSpec(
        "sitting_effect",
        Kind.ENUM,
        Group.SYMPTOMS,
        _P,
        "Effect of sitting",
        "",
        (("no_effect", "No effect"), ("worse", "Worse"), ("better", "Better")),
    ),
    _bool_field(
        "cough_sneeze_aggravates",
        Group.SYMPTOMS,
        _P,
        "Coughing, sneezing or straining makes it worse",
        "",
    ),
    FieldSpec(
        "night_pain",
        Kind.ENUM,
        Group.SYMPTOMS,
        _P,
        "Pain at night",
        "",
        (
            _NONE,
            ("with_movement_only", "Only when moving in bed"),
            ("constant_unrelenting", "Constant, whatever the position"),
        ),
    ),
    FieldSpec(
        "can_walk_run",
        Kind.ENUM,
        Group.SYMPTOMS,
        _P,
        "Walking and running now",
        "",
        (
            ("cannot_walk_normally", "Cannot walk normally"),
            ("walks_cannot_run", "Walks, but cannot run"),
            ("runs_with_symptoms", "Runs, with symptoms"),
            ("runs_normally", "Runs normally"),
        ),
    ),
    FieldSpec(
        "nprs_now",
        Kind.INT,
        Group.SYMPTOMS,
        _P,
        "Pain now (0-10)",
        _NPRS_HELP,
        min_value=0,
        max_value=10,
    ),
    FieldSpec(
        "nprs_worst_week",
        Kind.INT,
        Group.SYMPTOMS,
        _P,
        "Worst pain this week (0-10)",
        _NPRS_HELP,
        min_value=0,
        max_value=10,
    ),
    # 2.4 Running aggravating factors
    _aggravator("aggr_downhill", "Running downhill", "Compared with running on the flat."),
    _aggravator("aggr_uphill", "Running uphill", "Compared with running on the flat."),
    _aggravator("aggr_flat", "Running on the flat", ""),
    _aggravator("aggr_faster_speed", "Running faster", "Intervals, strides or race pace."),
    _aggravator(
        "aggr_long_stride",
        "Long strides",
        "Overstriding or reaching out, for example when overtaking.",
    ),
    FieldSpec(
        "symptom_timing",
        Kind.ENUM,
        Group.RUNNING,
        _P,
        "When it is worst",
        "",
        (
            ("worse_after_than_during", "Worse after running than during"),
            ("worse_during_than_after", "Worse during running than after"),
            ("both_equal", "Same during and after"),
            ("neither", "Neither"),
        ),
    ),
    FieldSpec(
        "warmup_effect",
        Kind.ENUM,
        Group.RUNNING,
        _P,
        "Effect of warming up",
        "",
        (
            ("eases", "Eases as I warm up"),
            ("worsens_as_run_continues", "Builds as the run goes on"),
            ("no_change", "No change"),
        ),
    ),
    # 2.5 Clinical tests
    FieldSpec(
        "slump_test",
        Kind.ENUM,
        Group.TESTS,
        _C,
        "Slump test",
        "Positive only if the familiar symptom is reproduced; differentiated means neck "
        "movement or ankle release changes it.",
        (
            _NOT_DONE,
            ("negative", "Negative"),
            ("positive_differentiated", "Positive, changes with differentiation"),
            ("positive_not_differentiated", "Familiar symptom, no change on differentiation"),
            ("stretch_only_non_familiar", "Stretch only, not the familiar symptom"),
        ),
    ),
    FieldSpec(
        "slump_knee_ext_deficit_deg",
        Kind.INT,
        Group.TESTS,
        _C,
        "Slump knee-extension deficit (degrees)",
        "Affected side compared with the other side, in the slump position.",
        min_value=0,
        max_value=90,
    ),
    FieldSpec(
        "slr_test",
        Kind.ENUM,
        Group.TESTS,
        _C,
        "Straight leg raise",
        "Differentiated means ankle dorsiflexion or hip adduction/internal rotation at the "
        "same hip angle increases the familiar symptom.",
        (
            _NOT_DONE,
            ("negative", "Negative"),
            ("positive_differentiated", "Positive, changes with differentiation"),
            ("positive_not_differentiated", "Familiar symptom, no change on differentiation"),
            ("local_hamstring_pull_only", "Local hamstring pull only, unchanged by DF"),
        ),
    ),
    FieldSpec(
        "slr_angle_affected_deg",
        Kind.INT,
        Group.TESTS,
        _C,
        "SLR angle, affected side (degrees)",
        "",
        min_value=0,
        max_value=180,
    ),
    FieldSpec(
        "slr_angle_other_deg",
        Kind.INT,
        Group.TESTS,
        _C,
        "SLR angle, other side (degrees)",
        "",
        min_value=0,
        max_value=180,
    ),
    FieldSpec(
        "crossed_slr",
        Kind.ENUM,
        Group.TESTS,
        _C,
        "Crossed straight leg raise",
        "",
        (_NOT_DONE, ("negative", "Negative"), ("positive", "Positive")),
    ),
    FieldSpec(
        "sciatic_nerve_palpation",
        Kind.ENUM,
        Group.TESTS,
        _C,
        "Nerve trunk palpation",
        "Sciatic nerve between sitting bone and greater trochanter, tibial nerve at the "
        "knee crease, common peroneal nerve at the fibular neck.",
        (
            _NOT_DONE,
            ("non_tender", "Not tender"),
            ("tender_affected_side", "Tender on the affected side"),
        ),
    ),
    FieldSpec(
        "lumbar_rom",
        Kind.ENUM,
        Group.TESTS,
        _C,
        "Lumbar range of movement",
        "",
        (
            _NOT_DONE,
            ("full_painless", "Full and painless"),
            ("restricted_no_thigh_pain", "Restricted, no thigh symptom"),
            ("reproduces_thigh_pain", "Brings on the thigh symptom"),
        ),
    ),
    FieldSpec(
        "lumbar_provocative_direction",
        Kind.ENUM,
        Group.TESTS,
        _C,
        "Provoking lumbar direction",
        "",
        (
            _NONE,
            ("flexion", "Flexion"),
            ("extension", "Extension"),
            ("extension_rotation", "Extension with rotation"),
            ("multiple", "Several"),
        ),
    ),
    FieldSpec(
        "repeated_movements",
        Kind.ENUM,
        Group.TESTS,
        _C,
        "Repeated lumbar movements",
        "",
        (
            _NOT_DONE,
            ("centralises_or_abolishes", "Centralises or abolishes"),
            ("peripheralises", "Peripheralises"),
            ("no_change", "No change"),
        ),
    ),
    FieldSpec(
        "directional_preference",
        Kind.ENUM,
        Group.TESTS,
        _C,
        "Directional preference",
        "",
        (_NONE, ("extension", "Extension"), ("flexion", "Flexion"), ("lateral", "Lateral")),
    ),
    FieldSpec(
        "pa_accessory_glide",
        Kind.ENUM,
        Group.TESTS,
        _C,
        "Lumbar PA glides",
        "Judge by symptom reproduction, not by perceived stiffness.",
        (
            _NOT_DONE,
            ("no_pain", "No pain"),
            ("local_back_pain_only", "Local back pain only"),
            ("reproduces_thigh_pain", "Brings on the thigh symptom"),
        ),
    ),
    FieldSpec(
        "pa_level",
        Kind.ENUM,
        Group.TESTS,
        _C,
        "PA glide level",
        "",
        (
            ("L3", "L3"),
            ("L4", "L4"),
            ("L5", "L5"),
            ("S1", "S1"),
            ("multiple", "Several levels"),
            ("na", "Not applicable"),
        ),
    ),
    FieldSpec(
        "neuro_exam",
        Kind.ENUM,
        Group.TESTS,
        _C,
        "Neurological examination",
        "Myotomes, dermatomes and reflexes, L4 to S1.",
        (
            _NOT_DONE,
            ("normal", "Normal"),
            ("unilateral_single_root_deficit", "Deficit of one root, one side"),
            ("bilateral_or_multi_root_deficit", "Deficit in both legs or several roots"),
        ),
    ),
    _bool_field(
        "neuro_deficit_progressing", Group.TESTS, _C, "Neurological deficit getting worse", ""
    ),
    FieldSpec(
        "hamstring_palpation",
        Kind.ENUM,
        Group.TESTS,
        _C,
        "Hamstring palpation",
        "",
        (
            _NOT_DONE,
            ("non_tender", "Not tender"),
            ("diffuse_mild_tenderness", "Mild, spread-out tenderness"),
            ("focal_tenderness", "Tender in one spot"),
            ("palpable_defect", "A gap can be felt"),
        ),
    ),
    FieldSpec(
        "tender_length_cm",
        Kind.INT,
        Group.TESTS,
        _C,
        "Length of tender area (cm)",
        "Optional.",
        min_value=0,
        max_value=50,
    ),
    FieldSpec(
        "bruising",
        Kind.ENUM,
        Group.TESTS,
        _C,
        "Bruising",
        "",
        (_NONE, ("present", "Present"), ("extensive", "Extensive")),
    ),
    FieldSpec(
        "resisted_knee_flexion",
        Kind.ENUM,
        Group.TESTS,
        _C,
        "Resisted knee flexion",
        "",
        (
            _NOT_DONE,
            ("strong_painless", "Strong and painless"),
            ("strong_painful", "Strong but painful"),
            ("weak_painful", "Weak and painful"),
        ),
    ),
    _bool_field(
        "ischial_tuberosity_tenderness", Group.TESTS, _C, "Sitting bone tender to touch", ""
    ),
    FieldSpec(
        "proximal_tendon_provocation",
        Kind.ENUM,
        Group.TESTS,
        _C,
        "Proximal tendon load tests",
        "Bent-knee stretch, Puranen-Orava, single-leg bridge.",
        (_NOT_DONE, ("negative", "Negative"), ("positive", "Positive")),
    ),
    _bool_field(
        "gluteal_palpation_reproduces_thigh",
        Group.TESTS,
        _C,
        "Pressing the gluteals brings on the thigh symptom",
        "",
    ),
    FieldSpec(
        "retest_after_lumbar_treatment",
        Kind.ENUM,
        Group.TESTS,
        _C,
        "Slump/SLR re-tested after a lumbar technique",
        "",
        (
            _NOT_DONE,
            ("neural_signs_improved", "Neural signs improved"),
            ("no_change", "No change"),
            ("worse", "Worse"),
        ),
    ),
    # 2.6 Red-flag screen
    _red_flag(
        "red_flag_screen_completed",
        "Red-flag screen completed",
        "Tick once every red-flag question has been asked.",
        FilledBy.CLINICIAN,
    ),
    _red_flag(
        "rf_saddle_anaesthesia",
        "Saddle numbness",
        "Numb or altered feeling between the legs or around the back passage.",
    ),
    _red_flag(
        "rf_bladder_change",
        "New bladder change",
        "Difficulty starting, retention, not feeling the need to go, or leaking.",
    ),
    _red_flag("rf_bowel_change", "New bowel change", "New loss of bowel control."),
    _red_flag("rf_sexual_dysfunction_new", "New sexual dysfunction", ""),
    _red_flag("rf_bilateral_leg_neuro_symptoms", "Nerve symptoms in both legs", ""),
    _red_flag("rf_progressive_weakness", "Weakness getting worse", ""),
    _red_flag("rf_history_of_cancer", "Cancer in the past", "Any cancer, at any time."),
    _red_flag("rf_unexplained_weight_loss", "Weight loss without a reason", ""),
    _red_flag(
        "rf_constant_night_pain",
        "Constant night pain",
        "Does not ease with any position; not linked to movement.",
    ),
    _red_flag("rf_fever_or_unwell", "Fever or feeling generally unwell", ""),
    _red_flag(
        "rf_infection_risk",
        "Infection risk",
        "Weakened immunity, injecting drug use, a recent infection or a recent spinal procedure.",
    ),
    _red_flag("rf_significant_trauma", "Significant trauma", "A fall or impact of real force."),
    _red_flag("rf_osteoporosis_or_steroids", "Osteoporosis or long-term steroids", ""),
    _red_flag("rf_calf_swelling_warmth", "Calf swollen and warm", ""),
    _red_flag(
        "rf_dvt_risk_factor",
        "Clot risk factor",
        "Long-haul travel, recent surgery or immobilisation, a previous clot, or "
        "oestrogen therapy.",
    ),
    _red_flag(
        "rf_exertional_claudication",
        "Exercise cramp that stops with rest",
        "Cramp-like pain easing within minutes of stopping, or a cold or pale foot.",
    ),
    _red_flag(
        "rf_bony_pain_on_hop_or_weightbearing",
        "Bone pain on hopping or standing",
        "Could point to a stress fracture.",
    ),
    _red_flag(
        "rf_suspected_complete_avulsion",
        "Complete avulsion suspected",
        "Clinician's judgement; the engine also checks a pop with a palpable gap.",
        FilledBy.CLINICIAN,
    ),
    # 2.7 Outcome measures
    FieldSpec(
        "lefs_score",
        Kind.INT,
        Group.OUTCOMES,
        _P,
        "LEFS",
        "Higher is better.",
        min_value=0,
        max_value=80,
    ),
    FieldSpec(
        "odi_percent",
        Kind.INT,
        Group.OUTCOMES,
        _P,
        "ODI (%)",
        "Higher is worse.",
        min_value=0,
        max_value=100,
    ),
    FieldSpec(
        "psfs_mean",
        Kind.NUMBER,
        Group.OUTCOMES,
        _P,
        "PSFS average",
        "Average of the patient's chosen activities; higher is better.",
        min_value=0,
        max_value=10,
        decimal_places=2,
    ),
    FieldSpec(
        "fash_score",
        Kind.INT,
        Group.OUTCOMES,
        _P,
        "FASH",
        "Higher is better.",
        min_value=0,
        max_value=100,
    ),
    FieldSpec(
        "slanss_score",
        Kind.INT,
        Group.OUTCOMES,
        _P,
        "S-LANSS",
        "Higher means more nerve-like pain.",
        min_value=0,
        max_value=24,
    ),
    FieldSpec(
        "paindetect_score",
        Kind.INT,
        Group.OUTCOMES,
        _P,
        "painDETECT",
        "Higher means more nerve-like pain.",
        min_value=-1,
        max_value=38,
    ),
)

FIELDS: dict[str, FieldSpec] = {spec.name: spec for spec in _SPECS}
"""Every finding, keyed by its SPEC name, in SPEC order."""

FINAL_DX_CHOICES: Choices = (
    ("neural", "Neural tissue sensitivity"),
    ("lumbar", "Referred from the lumbar spine"),
    ("acute_strain", "Acute hamstring strain"),
    ("red_flag_referral", "Red flag: referred on"),
    ("mixed_neural_lumbar", "Mixed neural and lumbar"),
    ("other", "Something else"),
)
"""The clinician's final diagnosis (SPEC 2.8), as `(value, label)` pairs."""

DECISION_FIELDS: dict[str, FieldSpec] = {
    spec.name: spec
    for spec in (
        FieldSpec(
            "clinician_final_dx",
            Kind.ENUM,
            Group.DECISION,
            _C,
            "Final diagnosis",
            "",
            FINAL_DX_CHOICES,
        ),
        FieldSpec(
            "other_dx_text",
            Kind.TEXT,
            Group.DECISION,
            _C,
            "Other diagnosis",
            "Name the diagnosis when 'something else' is chosen.",
        ),
        FieldSpec(
            "override_reason",
            Kind.TEXT,
            Group.DECISION,
            _C,
            "Reason for override",
            "Needed whenever the final diagnosis differs from the suggestion.",
        ),
    )
}
"""The clinician's audit fields (SPEC 2.8). They are not findings and the engine ignores them."""


def fields_in_group(group: Group) -> Iterator[FieldSpec]:
    """The findings of one intake group, in SPEC order."""
    return (spec for spec in FIELDS.values() if spec.group is group)


def validate_findings(findings: Mapping[str, object]) -> list[FieldError]:
    """Every problem in a findings mapping, one error per bad field, in the mapping's order.

    Reports unknown field names and values of the wrong type, outside the allowed set or
    outside the numeric range. `None` means not recorded and is always accepted.
    """
    errors = []
    for name, value in findings.items():
        spec = FIELDS.get(name) if isinstance(name, str) else None
        if spec is None:
            errors.append(FieldError(str(name), "is not a known finding"))
            continue
        message = None if value is None else value_problem(spec, value)
        if message:
            errors.append(FieldError(name, message))
    return errors


def value_problem(spec: FieldSpec, value: object) -> str | None:
    """Why `value` is not acceptable for `spec`, or None when it is."""
    return _CHECKS[spec.kind](spec, value)


def _check_int(spec: FieldSpec, value: object) -> str | None:
    # bool is a subclass of int in Python; a tick box must never pass as a number
    if isinstance(value, bool) or not isinstance(value, int):
        return f"must be a whole number, got {value!r}"
    return _range_problem(spec, value)


def _check_number(spec: FieldSpec, value: object) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return f"must be a number, got {value!r}"
    return _range_problem(spec, value)


def _range_problem(spec: FieldSpec, value: float) -> str | None:
    too_low = spec.min_value is not None and value < spec.min_value
    too_high = spec.max_value is not None and value > spec.max_value
    if too_low or too_high:
        low = "" if spec.min_value is None else spec.min_value
        high = "" if spec.max_value is None else spec.max_value
        return f"{value!r} is outside the allowed range {low}..{high}"
    return None


def _check_enum(spec: FieldSpec, value: object) -> str | None:
    if not isinstance(value, str) or value not in spec.values:
        return f"{value!r} is not one of {', '.join(spec.values)}"
    return None


def _check_multi_enum(spec: FieldSpec, value: object) -> str | None:
    if not isinstance(value, list | tuple):
        return f"must be a list of values from {', '.join(spec.values)}, got {value!r}"
    unknown = [item for item in value if not isinstance(item, str) or item not in spec.values]
    if unknown:
        return f"{', '.join(map(repr, unknown))} not among {', '.join(spec.values)}"
    if len(set(value)) != len(value):
        return "lists the same value more than once"
    return None


def _check_bool(spec: FieldSpec, value: object) -> str | None:
    if not isinstance(value, bool):
        return f"must be true or false, got {value!r}"
    return None


def _check_text(spec: FieldSpec, value: object) -> str | None:
    if not isinstance(value, str):
        return f"must be text, got {value!r}"
    return None


_CHECKS = {
    Kind.INT: _check_int,
    Kind.NUMBER: _check_number,
    Kind.ENUM: _check_enum,
    Kind.MULTI_ENUM: _check_multi_enum,
    Kind.BOOL: _check_bool,
    Kind.TEXT: _check_text,
}
