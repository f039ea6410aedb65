"""Red-flag gate (SPEC 3.2 as amended by 3.9a-8, -10, -15, -21) and amber flags (-6, -12)."""

from __future__ import annotations

import pytest

from assessments.diagnosis import Points, default_final_dx
from assessments.diagnosis import diagnose as _diagnose
from assessments.diagnosis.ruleset import rules_for_version

# These cases assert rules 1.1 behaviour (SPEC 3.2 and 3.9a); rules 1.2 (3.9b) has its own cases
# in test_rules_1_2_cases.py.
RULES_1_1 = rules_for_version("1.1")


def diagnose(findings):
    return _diagnose(findings, RULES_1_1)


SCREENED = {"red_flag_screen_completed": True}

# A strong, fully examined neural picture: neural, high confidence when nothing else is present.
STRONG_NEURAL = {
    **SCREENED,
    "age_years": 34,
    "previous_hamstring_injury": "significant_tear",
    "previous_low_back_injury": "none",
    "onset_type": "gradual",
    "symptom_duration": "3_to_12_months",
    "aggr_downhill": "worse",
    "aggr_faster_speed": "worse",
    "symptom_timing": "worse_after_than_during",
    "slump_test": "positive_differentiated",
    "slr_test": "positive_differentiated",
    "sciatic_nerve_palpation": "tender_affected_side",
    "lumbar_rom": "full_painless",
    "repeated_movements": "no_change",
    "hamstring_palpation": "non_tender",
}


def flag_ids(result):
    return [hit.id for hit in result.red_flags]


def amber_ids(result):
    return [hit.id for hit in result.amber_flags]


def test_it_reads_the_strong_neural_baseline_as_neural_high():
    result = diagnose(STRONG_NEURAL)

    assert (result.label, result.confidence) == ("neural", "high")
    assert result.red_flags == ()
    assert result.amber_flags == ()


# --- tier 1 --------------------------------------------------------------------------------------

TIER_ONE = [
    ({"rf_saddle_anaesthesia": True}, "saddle_anaesthesia"),
    ({"rf_bladder_change": True}, "bladder_change"),
    ({"rf_bowel_change": True}, "bowel_change"),
    ({"rf_sexual_dysfunction_new": True}, "sexual_dysfunction"),
    ({"rf_bilateral_leg_neuro_symptoms": True}, "bilateral_leg_symptoms"),
    ({"neuro_exam": "bilateral_or_multi_root_deficit"}, "bilateral_or_multi_root_deficit"),
    ({"rf_progressive_weakness": True}, "progressive_weakness"),
    ({"neuro_deficit_progressing": True}, "progressive_deficit"),
]


@pytest.mark.parametrize(("trigger", "rule"), TIER_ONE)
def test_it_sends_each_tier_one_flag_for_emergency_assessment(trigger, rule):
    result = diagnose({**STRONG_NEURAL, **trigger})

    assert result.label == "red_flag"
    assert result.tier == "emergency"
    assert flag_ids(result) == [rule]
    assert result.red_flags[0].tier == "emergency"


@pytest.mark.parametrize(("trigger", "_rule"), TIER_ONE)
def test_it_ignores_tier_one_fields_answered_no(trigger, _rule):
    negated = {name: (False if value is True else "normal") for name, value in trigger.items()}

    assert diagnose({**STRONG_NEURAL, **negated}).label == "neural"


# --- tier 2 --------------------------------------------------------------------------------------

TIER_TWO = [
    (
        {"rf_history_of_cancer": True, "rf_unexplained_weight_loss": True},
        "malignancy_cancer_and_weight_loss",
    ),
    (
        {"rf_history_of_cancer": True, "rf_constant_night_pain": True},
        "malignancy_cancer_and_night_pain",
    ),
    (
        {"rf_history_of_cancer": True, "night_pain": "constant_unrelenting"},
        "malignancy_cancer_and_night_pain",
    ),
    (
        {"rf_unexplained_weight_loss": True, "rf_constant_night_pain": True},
        "malignancy_weight_loss_and_night_pain",
    ),
    (
        {"rf_unexplained_weight_loss": True, "night_pain": "constant_unrelenting"},
        "malignancy_weight_loss_and_night_pain",
    ),
    ({"rf_fever_or_unwell": True}, "infection"),
    ({"rf_significant_trauma": True}, "fracture_trauma"),
    (
        {
            "rf_osteoporosis_or_steroids": True,
            "current_low_back_pain": "mild",
            "symptom_duration": "under_2_weeks",
        },
        "fracture_osteoporosis",
    ),
    (
        {
            "rf_osteoporosis_or_steroids": True,
            "current_low_back_pain": "moderate_or_severe",
            "symptom_duration": "2_to_6_weeks",
            "previous_low_back_injury": "past_resolved",
        },
        "fracture_osteoporosis",
    ),
    ({"rf_bony_pain_on_hop_or_weightbearing": True}, "stress_fracture"),
    ({"rf_calf_swelling_warmth": True}, "dvt"),
    ({"rf_exertional_claudication": True}, "vascular"),
    ({"rf_suspected_complete_avulsion": True}, "avulsion_suspected"),
    (
        {"felt_pop_or_tear": True, "hamstring_palpation": "palpable_defect"},
        "avulsion_pop_and_defect",
    ),
]


@pytest.mark.parametrize(("trigger", "rule"), TIER_TWO)
def test_it_refers_each_tier_two_combination_urgently(trigger, rule):
    result = diagnose({**STRONG_NEURAL, **trigger})

    assert result.label == "red_flag"
    assert result.tier == "urgent"
    assert rule in flag_ids(result)
    assert {hit.tier for hit in result.red_flags} == {"urgent"}


def test_it_lets_an_emergency_flag_set_the_tier_over_an_urgent_one():
    result = diagnose({**STRONG_NEURAL, "rf_significant_trauma": True, "rf_bladder_change": True})

    assert result.tier == "emergency"
    assert set(flag_ids(result)) == {"fracture_trauma", "bladder_change"}


def test_it_marks_infection_as_more_pressing_with_an_infection_risk():
    plain = diagnose({**STRONG_NEURAL, "rf_fever_or_unwell": True})
    risky = diagnose({**STRONG_NEURAL, "rf_fever_or_unwell": True, "rf_infection_risk": True})

    assert plain.red_flags[0].stronger is False
    assert risky.red_flags[0].stronger is True
    assert risky.tier == "urgent"
    assert "same day" in risky.red_flags[0].text


def test_it_does_not_flag_an_infection_risk_without_fever():
    assert diagnose({**STRONG_NEURAL, "rf_infection_risk": True}).label == "neural"


def test_it_notes_a_clot_risk_factor_as_support_for_a_dvt():
    result = diagnose(
        {**STRONG_NEURAL, "rf_calf_swelling_warmth": True, "rf_dvt_risk_factor": True}
    )

    assert flag_ids(result) == ["dvt"]
    assert result.red_flags[0].stronger is True
    assert amber_ids(result) == []


# --- avulsion combination rule (3.9a-15) ----------------------------------------------------------


@pytest.mark.parametrize("box", [None, False, "absent"])
def test_it_catches_a_pop_with_a_palpable_defect_without_the_avulsion_box(box):
    findings = {**SCREENED, "felt_pop_or_tear": True, "hamstring_palpation": "palpable_defect"}
    if box != "absent":
        findings["rf_suspected_complete_avulsion"] = box

    result = diagnose(findings)

    assert (result.label, result.tier) == ("red_flag", "urgent")
    assert flag_ids(result) == ["avulsion_pop_and_defect"]


@pytest.mark.parametrize(
    "support", [{"bruising": "extensive"}, {"can_walk_run": "cannot_walk_normally"}]
)
def test_it_treats_bruising_and_gait_as_supporting_detail_for_an_avulsion(support):
    findings = {"felt_pop_or_tear": True, "hamstring_palpation": "palpable_defect", **support}

    hit = diagnose(findings).red_flags[0]

    assert hit.id == "avulsion_pop_and_defect"
    assert hit.stronger is True


@pytest.mark.parametrize(
    "findings",
    [
        {
            "felt_pop_or_tear": True,
            "hamstring_palpation": "focal_tenderness",
            "bruising": "extensive",
            "can_walk_run": "cannot_walk_normally",
        },
        {"felt_pop_or_tear": False, "hamstring_palpation": "palpable_defect"},
        {"hamstring_palpation": "palpable_defect", "bruising": "extensive"},
    ],
)
def test_it_needs_both_the_pop_and_the_defect_for_the_avulsion_combination(findings):
    result = diagnose({**SCREENED, **findings})

    assert "avulsion_pop_and_defect" not in flag_ids(result)
    assert result.label != "red_flag"


def test_it_reports_both_avulsion_rules_when_the_box_is_also_ticked():
    findings = {
        "felt_pop_or_tear": True,
        "hamstring_palpation": "palpable_defect",
        "rf_suspected_complete_avulsion": True,
    }

    assert flag_ids(diagnose(findings)) == ["avulsion_suspected", "avulsion_pop_and_defect"]


# --- malignancy (3.9a-21) and osteoporosis (3.9a-10) amendments ------------------------------------


def test_it_keeps_cancer_history_at_fifty_or_over_amber_not_urgent():
    result = diagnose({**STRONG_NEURAL, "age_years": 64, "rf_history_of_cancer": True})

    assert result.label == "neural"
    assert amber_ids(result) == ["cancer_history"]
    assert result.amber_flags[0].stronger is True
    assert "screening" in result.amber_flags[0].text


@pytest.mark.parametrize(
    ("extra", "amber"),
    [
        ({"rf_history_of_cancer": True}, "cancer_history"),
        ({"rf_unexplained_weight_loss": True}, "weight_loss"),
        ({"rf_constant_night_pain": True}, "night_pain"),
        ({"night_pain": "constant_unrelenting"}, "night_pain"),
        ({"rf_dvt_risk_factor": True}, "dvt_risk_without_calf_signs"),
        ({"rf_osteoporosis_or_steroids": True}, "osteoporosis_or_steroids"),
    ],
)
def test_it_makes_each_lone_warning_sign_amber(extra, amber):
    result = diagnose({**STRONG_NEURAL, **extra})

    assert result.label == "neural"
    assert result.tier is None
    assert amber_ids(result) == [amber]


def test_it_drops_lone_malignancy_ambers_once_they_form_an_urgent_combination():
    findings = {**STRONG_NEURAL, "rf_history_of_cancer": True, "rf_unexplained_weight_loss": True}

    result = diagnose(findings)

    assert result.label == "red_flag"
    assert amber_ids(result) == []


@pytest.mark.parametrize(
    "context",
    [
        {"current_low_back_pain": "none", "symptom_duration": "under_2_weeks"},
        {"current_low_back_pain": "mild", "symptom_duration": "over_12_months"},
        {
            "current_low_back_pain": "mild",
            "symptom_duration": "2_to_6_weeks",
            "previous_low_back_injury": "recurrent",
        },
        {
            "current_low_back_pain": "moderate_or_severe",
            "symptom_duration": "under_2_weeks",
            "previous_low_back_injury": "ongoing",
        },
        {"symptom_duration": "under_2_weeks"},
    ],
)
def test_it_keeps_osteoporosis_amber_without_new_back_pain(context):
    result = diagnose({**STRONG_NEURAL, "rf_osteoporosis_or_steroids": True, **context})

    assert result.label != "red_flag"
    assert amber_ids(result) == ["osteoporosis_or_steroids"]


def test_it_refers_new_back_pain_on_steroids_when_earlier_back_history_is_blank():
    # "not recurrent or ongoing" holds for a blank answer: the safe reading for a red flag
    findings = {
        **SCREENED,
        "rf_osteoporosis_or_steroids": True,
        "current_low_back_pain": "mild",
        "symptom_duration": "2_to_6_weeks",
    }

    result = diagnose(findings)

    assert (result.label, result.tier) == ("red_flag", "urgent")
    assert flag_ids(result) == ["fracture_osteoporosis"]
    assert amber_ids(result) == []


# --- amber: first-ever episode (3.9a-6) ----------------------------------------------------------


def test_it_flags_a_first_ever_episode_at_fifty_or_over():
    findings = {**STRONG_NEURAL, "age_years": 50, "previous_hamstring_injury": "none"}

    assert amber_ids(diagnose(findings)) == ["first_episode_over_50"]


@pytest.mark.parametrize(
    "history",
    [
        {"age_years": 49, "previous_hamstring_injury": "none", "previous_low_back_injury": "none"},
        {"age_years": 60, "previous_hamstring_injury": "none", "previous_low_back_injury": None},
        {"age_years": 60, "previous_hamstring_injury": None, "previous_low_back_injury": "none"},
        {
            "age_years": 60,
            "previous_hamstring_injury": "none",
            "previous_low_back_injury": "past_resolved",
        },
        {
            "age_years": None,
            "previous_hamstring_injury": "none",
            "previous_low_back_injury": "none",
        },
    ],
)
def test_it_never_infers_a_first_episode_from_blank_history(history):
    assert "first_episode_over_50" not in amber_ids(diagnose({**STRONG_NEURAL, **history}))


# --- amber effect on confidence (3.9a-12) --------------------------------------------------------


def test_it_lowers_high_to_moderate_for_an_amber_flag():
    result = diagnose({**STRONG_NEURAL, "rf_dvt_risk_factor": True})

    assert (result.label, result.confidence) == ("neural", "moderate")
    assert any(note.startswith("Amber flag") for note in result.notes)


def test_it_lowers_moderate_to_low_for_an_amber_flag():
    moderate = {
        k: v for k, v in STRONG_NEURAL.items() if k not in ("lumbar_rom", "repeated_movements")
    }
    assert diagnose(moderate).confidence == "moderate"  # high, held by the rule-out

    assert diagnose({**moderate, "rf_osteoporosis_or_steroids": True}).confidence == "low"


def test_it_keeps_low_at_low_with_the_amber_note():
    low = {
        **SCREENED,
        "slump_test": "positive_differentiated",
        "aggr_downhill": "worse",
        "aggr_long_stride": "worse",
    }
    assert diagnose(low).confidence == "low"

    result = diagnose({**low, "rf_unexplained_weight_loss": True})

    assert (result.label, result.confidence) == ("neural", "low")
    assert amber_ids(result) == ["weight_loss"]


def test_it_lowers_only_one_band_however_many_amber_flags():
    findings = {**STRONG_NEURAL, "rf_dvt_risk_factor": True, "rf_osteoporosis_or_steroids": True}

    result = diagnose(findings)

    assert result.confidence == "moderate"
    assert len(result.amber_flags) == 2


# --- what a red-flag result carries ------------------------------------------------------------------


def test_it_still_returns_the_musculoskeletal_scores_with_a_red_flag():
    plain = diagnose(STRONG_NEURAL)
    flagged = diagnose({**STRONG_NEURAL, "rf_saddle_anaesthesia": True})

    assert flagged.scores == plain.scores
    assert flagged.scores.neural > 12
    assert flagged.reasons == plain.reasons
    assert any("information only" in note for note in flagged.notes)
    assert flagged.confidence == "high"
    assert flagged.next_tests == ()
    assert default_final_dx(flagged) == "red_flag_referral"


def test_it_keeps_red_flags_out_of_the_score():
    assert diagnose({"rf_bladder_change": True, "rf_significant_trauma": True}).scores == Points()


def test_it_flags_even_when_the_screen_is_not_marked_complete():
    result = diagnose({"rf_bowel_change": True})

    assert (result.label, result.tier) == ("red_flag", "emergency")
    assert result.provisional is True
    assert result.can_confirm is True


# --- incomplete screen (3.9a-13) ---------------------------------------------------------------------


@pytest.mark.parametrize("screen", [False, None])
def test_it_marks_a_result_provisional_while_the_screen_is_incomplete(screen):
    findings = {**STRONG_NEURAL, "red_flag_screen_completed": screen}

    result = diagnose(findings)

    assert (result.label, result.confidence) == ("neural", "high")
    assert result.provisional is True
    assert result.can_confirm is False
    assert any("provisional" in note for note in result.notes)


def test_it_allows_confirmation_once_the_screen_is_complete():
    result = diagnose(STRONG_NEURAL)

    assert result.provisional is False
    assert result.can_confirm is True
    assert not any("provisional" in note for note in result.notes)
