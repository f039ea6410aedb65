"""The re-tests repeated before and after treatment at each session, as data.

Where a test has the same name as an intake finding (assessments' field catalogue), its value
set and range are the catalogue's own, so "positive, changes with differentiation" means the
same here as at intake and the engine can read it. Two measures are the session's own: the
strength of resisted knee flexion as a percentage of the other side, and the H-test (SPEC 1.4).
Anything not recorded stays null ("not done"), never "negative".
"""

from __future__ import annotations

from assessments.diagnosis.schema import FIELDS, FieldSpec, FilledBy, Group, Kind

_CATALOGUE_TESTS = (
    "slump_test",
    "slump_knee_ext_deficit_deg",
    "slr_test",
    "slr_angle_affected_deg",
    "slr_angle_other_deg",
    "lumbar_rom",
    "repeated_movements",
    "resisted_knee_flexion",
)

_SESSION_TESTS = (
    FieldSpec(
        name="knee_flexion_strength_pct",
        kind=Kind.INT,
        group=Group.TESTS,
        filled_by=FilledBy.CLINICIAN,
        label="Knee flexion strength (% of the other side)",
        help_text="Affected side as a percentage of the other side, e.g. 85.",
        min_value=0,
        max_value=150,
    ),
    FieldSpec(
        name="h_test",
        kind=Kind.ENUM,
        group=Group.TESTS,
        filled_by=FilledBy.CLINICIAN,
        label="H-test",
        help_text="Active rapid straight-leg raise: positive when the runner feels insecure.",
        choices=(("not_done", "Not done"), ("negative", "Negative"), ("positive", "Positive")),
    ),
)

_NEURO_TESTS = ("neuro_exam", "neuro_deficit_progressing")

RETEST_SPECS: dict[str, FieldSpec] = {
    **{name: FIELDS[name] for name in _CATALOGUE_TESTS},
    **{spec.name: spec for spec in _SESSION_TESTS},
    **{name: FIELDS[name] for name in _NEURO_TESTS},
}
"""Every re-test, in the order the session form shows them."""

#: The neurodynamic tests whose change after a lumbar technique is the test-treat-retest.
NEURODYNAMIC = ("slump_test", "slump_knee_ext_deficit_deg", "slr_test", "slr_angle_affected_deg")
#: Re-tests the diagnosis engine knows (the intake catalogue's names).
ENGINE_FIELDS = tuple(name for name in RETEST_SPECS if name in FIELDS)
#: Numbers whose change is read by assessments.outcomes.change_reading.
NUMERIC = tuple(name for name, spec in RETEST_SPECS.items() if spec.kind is Kind.INT)

#: Results of a neurodynamic test that count as positive (the familiar symptom reproduced).
POSITIVE = ("positive_differentiated", "positive_not_differentiated")
