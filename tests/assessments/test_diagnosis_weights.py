"""Every row of the weight table (SPEC 3.3) and every scoring amendment of 3.9a.

Expected points are written out here from the SPEC, not read from the rules file, so an edit
to the data that drifts from the signed-off table fails a test.
"""

from __future__ import annotations

import pytest

from assessments.diagnosis import FIELDS, Kind, Points, RulesError, diagnose, load_rules
from assessments.diagnosis.engine import relative_support
from assessments.diagnosis.ruleset import DEFAULT_RULES_PATH, rules_for_version

# (field, value, (N, L, A)) exactly as in SPEC 3.3; "—" is 0.
TABLE = [
    # history
    ("previous_hamstring_injury", "none", (-2, 0, 0)),
    ("previous_hamstring_injury", "minor_strains_or_microtrauma", (2, 0, 0)),
    ("previous_hamstring_injury", "significant_tear", (3, 0, 0)),
    ("previous_hamstring_injury", "surgical_repair", (3, 0, 0)),
    ("previous_hamstring_injury", "recurrent_tears", (3, 1, 0)),
    ("last_hamstring_injury_ago", "under_6_weeks", (0, 0, 1)),
    ("previous_low_back_injury", "past_resolved", (0, 2, 0)),
    ("previous_low_back_injury", "recurrent", (0, 3, 0)),
    ("previous_low_back_injury", "ongoing", (0, 3, 0)),
    ("low_back_stiffness", "occasional", (0, 1, 0)),
    ("low_back_stiffness", "regular", (0, 2, 0)),
    ("current_low_back_pain", "mild", (0, 2, 0)),
    ("current_low_back_pain", "moderate_or_severe", (0, 3, 0)),
    ("stretching_response", "relieves", (-1, -1, 0)),
    ("stretching_response", "no_lasting_change", (1, 1, 0)),
    ("stretching_response", "aggravates", (2, 1, 1)),
    ("symptom_duration", "under_2_weeks", (0, 0, 3)),
    ("symptom_duration", "2_to_6_weeks", (0, 0, 1)),
    ("symptom_duration", "6_to_12_weeks", (0, 0, -1)),
    ("symptom_duration", "3_to_12_months", (1, 1, -3)),
    ("symptom_duration", "over_12_months", (1, 1, -3)),
    ("onset_type", "sudden_during_running", (0, 0, 3)),
    ("onset_type", "sudden_other_activity", (0, 0, 2)),
    ("onset_type", "gradual", (1, 1, -2)),
    ("onset_mechanism", "sprint_or_acceleration", (0, 0, 1)),
    ("onset_mechanism", "overstretch_or_slip", (0, 0, 1)),
    ("felt_pop_or_tear", True, (0, 0, 2)),
    ("stopped_immediately", True, (0, 0, 2)),
    # symptoms
    ("pain_below_knee", True, (1, 1, -1)),
    ("paraesthesia", "tingling", (1, 1, -1)),
    ("paraesthesia", "numbness", (1, 2, -2)),
    ("paraesthesia", "tingling_and_numbness", (1, 2, -2)),
    ("pain_distribution", "narrow_band", (1, 1, 0)),
    ("pain_distribution", "diffuse_deep_ache", (0, 1, 0)),
    ("sitting_effect", "worse", (1, 1, 0)),
    ("cough_sneeze_aggravates", True, (0, 2, 0)),
    ("can_walk_run", "cannot_walk_normally", (0, 0, 2)),
    ("can_walk_run", "walks_cannot_run", (0, 0, 1)),
    ("can_walk_run", "runs_with_symptoms", (1, 1, 0)),
    # running
    ("aggr_downhill", "worse", (2, 0, 0)),
    ("aggr_faster_speed", "worse", (2, 0, 0)),
    ("aggr_long_stride", "worse", (2, 0, 0)),
    ("aggr_uphill", "worse", (0, 2, 0)),
    ("symptom_timing", "worse_after_than_during", (2, 0, 0)),
    ("symptom_timing", "worse_during_than_after", (0, 0, 1)),
    # clinical tests
    ("slump_test", "positive_differentiated", (4, 1, 0)),
    ("slump_test", "positive_not_differentiated", (1, 1, 0)),
    ("slump_test", "negative", (-3, -1, 1)),
    ("slump_test", "stretch_only_non_familiar", (-1, 0, 0)),
    ("slr_test", "positive_differentiated", (3, 1, 0)),
    ("slr_test", "positive_not_differentiated", (1, 1, 0)),
    ("slr_test", "negative", (-1, -1, 0)),
    ("slr_test", "local_hamstring_pull_only", (-1, 0, 1)),
    ("crossed_slr", "positive", (0, 4, 0)),
    ("sciatic_nerve_palpation", "tender_affected_side", (2, 1, 0)),
    ("sciatic_nerve_palpation", "non_tender", (-1, 0, 0)),
    ("lumbar_rom", "reproduces_thigh_pain", (0, 3, 0)),
    ("lumbar_rom", "restricted_no_thigh_pain", (0, 1, 0)),
    ("lumbar_rom", "full_painless", (0, -2, 0)),
    ("repeated_movements", "centralises_or_abolishes", (0, 4, 0)),
    ("repeated_movements", "peripheralises", (0, 2, 0)),
    ("repeated_movements", "no_change", (0, -1, 0)),
    ("pa_accessory_glide", "reproduces_thigh_pain", (0, 3, 0)),
    ("pa_accessory_glide", "local_back_pain_only", (0, 1, 0)),
    ("pa_accessory_glide", "no_pain", (0, -1, 0)),
    ("neuro_exam", "unilateral_single_root_deficit", (0, 3, 0)),
    ("hamstring_palpation", "focal_tenderness", (-1, -1, 3)),
    ("hamstring_palpation", "palpable_defect", (0, 0, 3)),
    ("hamstring_palpation", "non_tender", (1, 1, -2)),
    ("bruising", "present", (0, 0, 3)),
    ("bruising", "extensive", (0, 0, 3)),
    ("resisted_knee_flexion", "weak_painful", (0, 0, 3)),
    ("resisted_knee_flexion", "strong_painful", (0, 0, 2)),
    ("resisted_knee_flexion", "strong_painless", (1, 1, -2)),
    ("gluteal_palpation_reproduces_thigh", True, (1, 1, 0)),
    ("retest_after_lumbar_treatment", "neural_signs_improved", (0, 3, 0)),
]

# Fields scored only through special rules (tested one by one below) or derivations.
SPECIAL = {
    "pain_quality",
    "pain_location",
    "age_years",
    "slump_knee_ext_deficit_deg",
    "retest_after_lumbar_treatment",
    "paindetect_score",
    "slanss_score",
}


def score_lines(result, field):
    return [r for r in result.reasons if r.finding == field and r.kind == "score"]


def points_of(result, field) -> Points:
    return sum((line.points for line in score_lines(result, field)), Points())


@pytest.mark.parametrize(("field", "value", "expected"), TABLE)
def test_it_scores_each_row_of_the_weight_table(field, value, expected):
    result = diagnose({field: value})

    assert len(score_lines(result, field)) == 1
    assert points_of(result, field) == Points(*expected)
    assert result.scores == Points(*expected)


def _unlisted_answers():
    listed = {(field, value) for field, value, _ in TABLE}
    for spec in FIELDS.values():
        if spec.name in SPECIAL:
            continue
        answers = (True, False) if spec.kind is Kind.BOOL else spec.values
        for value in answers:
            if spec.kind in (Kind.ENUM, Kind.BOOL) and (spec.name, value) not in listed:
                yield spec.name, value


@pytest.mark.parametrize(("field", "value"), list(_unlisted_answers()))
def test_it_gives_no_points_to_answers_absent_from_the_table(field, value):
    result = diagnose({field: value})

    assert result.scores == Points()
    assert score_lines(result, field) == []


def test_it_tags_every_row_with_its_evidence_basis():
    rules = load_rules()

    assert rules.weights
    assert all(row.basis.startswith("[") for row in rules.weights)


@pytest.mark.parametrize(
    ("original", "typo"),
    [
        ('field = "aggr_uphill"', 'field = "aggr_uphil"'),
        ('in = ["under_6_weeks"]', 'in = ["under_six_weeks"]'),
        ("points = { lumbar = 4 }", "points = { lumbr = 4 }"),
    ],
)
def test_it_refuses_a_rules_file_naming_unknown_fields_or_values(tmp_path, original, typo):
    text = DEFAULT_RULES_PATH.read_text(encoding="utf-8")
    assert original in text
    edited = tmp_path / "edited.toml"
    edited.write_text(text.replace(original, typo, 1), encoding="utf-8")

    with pytest.raises(RulesError):
        load_rules(edited)


def test_it_loads_rules_version_1_2_by_default_with_temperature_0_2():
    rules = load_rules()

    assert rules.version == "1.2"
    assert rules.softmax_temperature == pytest.approx(0.2)
    assert diagnose({}).rules_version == "1.2"


def test_it_keeps_rules_version_1_1_loadable_with_the_same_weights():
    old, new = rules_for_version("1.1"), load_rules()

    assert old.version == "1.1"
    assert old.weights == new.weights
    assert diagnose({}, old).rules_version == "1.1"


# --- age ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("age", "lumbar"), [(39, 0), (40, 1), (75, 1)])
def test_it_adds_one_lumbar_point_from_age_40(age, lumbar):
    assert points_of(diagnose({"age_years": age}), "age_years") == Points(lumbar=lumbar)


# --- 3.9a-1 pain-quality groups ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("qualities", "expected"),
    [
        (["tight_band_pulling"], (1, 1, 0)),
        (["nipping"], (1, 1, 0)),
        (["pinpoint"], (1, 1, 0)),
        (["sharp"], (1, 1, 0)),
        (["sharp", "nipping", "pinpoint"], (1, 1, 0)),
        (["burning"], (1, 1, -1)),
        (["electric_shooting"], (1, 1, -1)),
        (["burning", "electric_shooting"], (1, 1, -1)),
        (["tight_band_pulling", "sharp"], (2, 2, 0)),
        (["tight_band_pulling", "sharp", "burning"], (2, 2, -1)),
        (["cramping"], (0, 0, 0)),
    ],
)
def test_it_counts_pain_quality_groups_capped_at_two(qualities, expected):
    assert diagnose({"pain_quality": qualities}).scores == Points(*expected)


def test_it_shows_the_pain_quality_cap_as_its_own_line():
    result = diagnose({"pain_quality": ["tight_band_pulling", "pinpoint", "electric_shooting"]})

    caps = [r for r in result.reasons if r.kind == "cap"]
    assert [c.finding for c in caps] == ["cap:pain_quality"]
    assert caps[0].points == Points(-1, -1, 0)
    assert len(score_lines(result, "pain_quality")) == 3


# --- 3.9a-2 dull ache only ------------------------------------------------------------------------


def test_it_gives_dull_ache_a_lumbar_point_only_when_alone():
    assert diagnose({"pain_quality": ["dull_ache"]}).scores == Points(lumbar=1)


@pytest.mark.parametrize("other", ["tightness", "cramping", "sharp"])
def test_it_gives_dull_ache_nothing_alongside_another_quality(other):
    result = diagnose({"pain_quality": ["dull_ache", other]})

    assert not any("dull ache" in r.text.lower() and r.kind == "score" for r in result.reasons)
    assert result.scores.lumbar == (1 if other == "sharp" else 0)


# --- 3.9a-3 running cap -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("aggravators", "neural"),
    [
        (["aggr_downhill"], 2),
        (["aggr_downhill", "aggr_faster_speed"], 4),
        (["aggr_faster_speed", "aggr_long_stride"], 4),
        (["aggr_downhill", "aggr_faster_speed", "aggr_long_stride"], 4),
    ],
)
def test_it_caps_the_stride_aggravators_at_four_neural_points(aggravators, neural):
    result = diagnose(dict.fromkeys(aggravators, "worse"))

    assert result.scores == Points(neural=neural)


def test_it_shows_the_running_cap_as_a_negative_line():
    findings = {"aggr_downhill": "worse", "aggr_faster_speed": "worse", "aggr_long_stride": "worse"}

    caps = [r for r in diagnose(findings).reasons if r.kind == "cap"]

    assert [(c.finding, c.points) for c in caps] == [("cap:neural_running", Points(neural=-2))]


def test_it_does_not_cap_uphill_with_the_neural_aggravators():
    findings = {
        "aggr_downhill": "worse",
        "aggr_faster_speed": "worse",
        "aggr_long_stride": "worse",
        "aggr_uphill": "worse",
    }

    assert diagnose(findings).scores == Points(neural=4, lumbar=2)


# --- 3.9a-4 slump knee-extension deficit ---------------------------------------------------------


@pytest.mark.parametrize(
    ("slump", "deficit", "extra_neural"),
    [
        ("positive_differentiated", 10, 1),
        ("positive_not_differentiated", 15, 1),
        ("positive_differentiated", 9, 0),
        ("negative", 20, 0),
        ("stretch_only_non_familiar", 20, 0),
        ("not_done", 20, 0),
        (None, 20, 0),
    ],
)
def test_it_scores_the_slump_deficit_only_with_a_positive_slump(slump, deficit, extra_neural):
    findings = {"slump_test": slump, "slump_knee_ext_deficit_deg": deficit}

    result = diagnose(findings)

    assert points_of(result, "slump_knee_ext_deficit_deg") == Points(neural=extra_neural)


# --- 3.9a-5 retest with no change -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("neurodynamics", "neural"),
    [
        ({"slump_test": "positive_differentiated"}, 2),
        ({"slump_test": "positive_not_differentiated"}, 2),
        ({"slr_test": "positive_differentiated"}, 2),
        ({"slr_test": "positive_not_differentiated"}, 2),
        ({"slump_test": "negative", "slr_test": "local_hamstring_pull_only"}, 0),
        ({}, 0),
    ],
)
def test_it_scores_an_unchanged_retest_only_after_a_positive_neural_test(neurodynamics, neural):
    result = diagnose({**neurodynamics, "retest_after_lumbar_treatment": "no_change"})

    assert points_of(result, "retest_after_lumbar_treatment") == Points(neural=neural)


# --- 3.9a-14 pain below the knee ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("findings", "expected"),
    [
        ({"pain_location": ["mid_posterior_thigh", "calf"]}, (1, 1, -1)),
        ({"pain_location": ["foot"]}, (1, 1, -1)),
        ({"pain_location": ["back_of_knee", "lower_posterior_thigh"]}, (0, 0, 0)),
        ({"pain_location": ["calf"], "pain_below_knee": False}, (0, 0, 0)),
        ({"pain_location": ["buttock"], "pain_below_knee": True}, (1, 1, -1)),
    ],
)
def test_it_derives_pain_below_knee_from_the_body_chart_only_when_blank(findings, expected):
    assert diagnose(findings).scores == Points(*expected)


def test_it_says_when_pain_below_knee_was_read_from_the_body_chart():
    derived = score_lines(diagnose({"pain_location": ["calf"]}), "pain_below_knee")
    ticked = score_lines(diagnose({"pain_below_knee": True}), "pain_below_knee")

    assert "body chart" in derived[0].text
    assert "body chart" not in ticked[0].text


# --- questionnaires ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("findings", "expected"),
    [
        ({"paindetect_score": 19}, (1, 1, -1)),
        ({"paindetect_score": 18}, (0, 0, 0)),
        ({"slanss_score": 12}, (1, 1, -1)),
        ({"slanss_score": 11}, (0, 0, 0)),
        ({"paindetect_score": 30, "slanss_score": 20}, (1, 1, -1)),
    ],
)
def test_it_scores_a_neuropathic_questionnaire_result_once(findings, expected):
    assert diagnose(findings).scores == Points(*expected)


# --- 3.9a-19 informative, unscored items -----------------------------------------------------------


@pytest.mark.parametrize(
    ("findings", "field"),
    [
        ({"pain_quality": ["tightness"]}, "pain_quality"),
        ({"pain_distribution": "pinpoint_focal"}, "pain_distribution"),
        ({"slr_angle_affected_deg": 60, "slr_angle_other_deg": 70}, "slr_angle_affected_deg"),
        ({"slr_angle_affected_deg": 85, "slr_angle_other_deg": 70}, "slr_angle_affected_deg"),
        ({"warmup_effect": "eases"}, "warmup_effect"),
    ],
)
def test_it_lists_informative_findings_with_zero_points(findings, field):
    result = diagnose(findings)

    info = [r for r in result.reasons if r.kind == "info"]
    assert [r.finding for r in info] == [field]
    assert info[0].points == Points()
    assert result.scores == Points()


def test_it_does_not_note_an_slr_difference_under_ten_degrees():
    result = diagnose({"slr_angle_affected_deg": 61, "slr_angle_other_deg": 70})

    assert [r for r in result.reasons if r.kind == "info"] == []


# --- 3.9a-22 test-treat-retest re-attribution ----------------------------------------------------


def test_it_moves_positive_neurodynamic_points_to_lumbar_when_the_retest_improves():
    findings = {
        "slump_test": "positive_differentiated",
        "slump_knee_ext_deficit_deg": 12,
        "slr_test": "positive_differentiated",
        "retest_after_lumbar_treatment": "neural_signs_improved",
    }

    result = diagnose(findings)

    moved = [r for r in result.reasons if r.kind == "reattribution"]
    assert len(moved) == 1
    assert moved[0].finding == "retest_after_lumbar_treatment"
    assert moved[0].points == Points(neural=-8, lumbar=8)
    # slump 4+1, deficit 1, SLR 3+1 => N 8, L 2; then the retest adds L 3 and moves the 8
    assert result.scores == Points(neural=0, lumbar=13)


def test_it_leaves_other_neural_points_and_negative_test_points_in_place():
    findings = {
        "slump_test": "negative",
        "slr_test": "positive_not_differentiated",
        "sciatic_nerve_palpation": "tender_affected_side",
        "retest_after_lumbar_treatment": "neural_signs_improved",
    }

    result = diagnose(findings)

    moved = [r for r in result.reasons if r.kind == "reattribution"]
    assert moved[0].points == Points(neural=-1, lumbar=1)
    # N: slump -3, SLR +1 (moved), palpation +2 => -1; L: -1 +1 +1 +3 +1 (moved) => 5
    assert result.scores == Points(neural=-1, lumbar=5, acute_strain=1)


def test_it_adds_no_reattribution_line_without_positive_neurodynamic_points():
    result = diagnose({"retest_after_lumbar_treatment": "neural_signs_improved"})

    assert [r for r in result.reasons if r.kind == "reattribution"] == []
    assert result.scores == Points(lumbar=3)


# --- relative support -----------------------------------------------------------------------------


def test_it_computes_relative_support_as_in_the_spec_example():
    assert relative_support(Points(20, 22, -9), 0.2) == {
        "neural": 0.40,
        "lumbar": 0.60,
        "acute_strain": 0.00,
    }
