"""Clinical cases for rules version 1.2 (SPEC 3.9b, amendments 23 to 25).

Each red-flag variant of 3.9b, and each ordinary strain that must not trigger one, written as
the patient a physiotherapist would meet. Rules 1.2 is the default, so `diagnose(findings)` here
is what the site and `manage.py diagnose` now say.
"""

from __future__ import annotations

import json

import pytest

from assessments.diagnosis import diagnose
from assessments.diagnosis.ruleset import TIERS, rules_for_version

from .test_diagnose_command import run_command, write_json
from .test_diagnosis_cases import ACUTE_CASE, CASES, SCREENED
from .test_diagnosis_red_flags import STRONG_NEURAL as STRONG_NEURAL_CASE

RULES_1_1 = rules_for_version("1.1")


def flag_ids(result):
    return [hit.id for hit in result.red_flags]


def actions(result):
    return [hit.action for hit in result.red_flags]


# A runner who felt a sudden pop near the sitting bone while sprinting, seen two days later.
SUDDEN_PROXIMAL = {
    **SCREENED,
    "age_years": 41,
    "onset_type": "sudden_during_running",
    "onset_mechanism": "sprint_or_acceleration",
    "felt_pop_or_tear": True,
    "stopped_immediately": True,
    "symptom_duration": "under_2_weeks",
    "pain_location": ["ischial_tuberosity", "upper_posterior_thigh"],
    "ischial_tuberosity_tenderness": True,
    "hamstring_palpation": "focal_tenderness",
    "bruising": "present",
    "can_walk_run": "walks_cannot_run",
    "resisted_knee_flexion": "strong_painful",
}


# --- amendment 23: three urgencies, each reason with its own action ---------------------------


def test_it_sends_a_suspected_dvt_for_a_same_day_medical_assessment_with_a_wells_score():
    result = diagnose({**STRONG_NEURAL_CASE, "rf_calf_swelling_warmth": True})

    assert result.label == "red_flag"
    assert result.tier == "same_day"
    [action] = actions(result)
    assert "today" in action
    assert "Wells score" in action
    assert "ultrasound within 4 hours" in action
    assert "blood-thinning" in action
    assert "24 to 48 hours" not in " ".join(result.notes)


@pytest.mark.parametrize("risk", [False, True])
def test_it_sends_a_fever_for_a_same_day_assessment_with_one_action(risk):
    findings = {**STRONG_NEURAL_CASE, "rf_fever_or_unwell": True, "rf_infection_risk": risk}

    result = diagnose(findings)

    assert result.tier == "same_day"
    [hit] = result.red_flags
    assert "today" in hit.action
    assert ("risk factor present" in hit.text) is risk
    [note] = [note for note in result.notes if "red flag" in note]
    assert note.count("today") == 1
    assert "24 to 48 hours" not in note
    assert "the same day" not in note.replace(hit.action, "")


def test_it_sends_significant_trauma_for_an_x_ray_the_same_day():
    result = diagnose({**STRONG_NEURAL_CASE, "rf_significant_trauma": True})

    assert result.tier == "same_day"
    [action] = actions(result)
    assert "X-ray the same day" in action


@pytest.mark.parametrize(
    ("trigger", "words"),
    [
        ({"rf_bony_pain_on_hop_or_weightbearing": True}, "imaging"),
        ({"rf_exertional_claudication": True}, "vascular assessment"),
        ({"rf_history_of_cancer": True, "rf_unexplained_weight_loss": True}, "suspected-cancer"),
    ],
)
def test_it_asks_for_specialist_review_within_a_week_and_no_running(trigger, words):
    result = diagnose({**STRONG_NEURAL_CASE, **trigger})

    assert result.tier == "urgent"
    [action] = actions(result)
    assert "within a week" in action
    assert "running" in action
    assert words in action


def test_it_sends_cauda_equina_signs_to_the_emergency_department_now():
    result = diagnose({**STRONG_NEURAL_CASE, "rf_saddle_anaesthesia": True})

    assert result.tier == "emergency"
    [action] = actions(result)
    assert "emergency department now" in action


def test_it_takes_the_most_urgent_tier_and_lists_every_action_for_several_flags():
    findings = {
        **STRONG_NEURAL_CASE,
        "rf_bony_pain_on_hop_or_weightbearing": True,
        "rf_calf_swelling_warmth": True,
        "rf_bladder_change": True,
    }

    result = diagnose(findings)

    assert result.tier == "emergency"
    assert {hit.tier for hit in result.red_flags} == set(TIERS)
    flag_notes = [note for note in result.notes if "red flag:" in note]
    assert len(flag_notes) == 3
    assert flag_notes[0].startswith("Emergency red flag")  # most urgent first
    assert flag_notes[1].startswith("Same-day red flag")
    assert flag_notes[2].startswith("Urgent red flag")
    for hit in result.red_flags:
        assert any(hit.action in note for note in flag_notes)


def test_it_never_says_medical_or_orthopaedic_in_any_action():
    rules = rules_for_version("1.2")

    assert all(rule.action for rule in rules.red_flags)
    assert not any("medical or orthopaedic" in rule.action for rule in rules.red_flags)
    assert not rules.tier_actions


# --- amendment 24: avulsion, broadened ---------------------------------------------------------


def test_it_catches_an_avulsion_with_a_palpable_gap_and_no_pop():
    findings = {
        **SUDDEN_PROXIMAL,
        "felt_pop_or_tear": False,
        "hamstring_palpation": "palpable_defect",
    }

    result = diagnose(findings)

    assert result.tier == "urgent"
    assert flag_ids(result) == ["avulsion_sudden_defect"]
    assert "MRI" in result.red_flags[0].action
    assert diagnose(findings, RULES_1_1).label == "acute_strain"  # what 1.1 missed


def test_it_catches_an_avulsion_without_a_gap_when_the_haematoma_hides_it():
    # Pop at the sitting bone, a bruise down the thigh, cannot walk normally: no gap felt.
    findings = {**SUDDEN_PROXIMAL, "bruising": "extensive", "can_walk_run": "cannot_walk_normally"}

    result = diagnose(findings)

    assert result.label == "red_flag"
    assert result.tier == "urgent"
    assert flag_ids(result) == ["avulsion_proximal_pattern"]
    assert diagnose(findings, RULES_1_1).label == "acute_strain"  # what 1.1 missed


@pytest.mark.parametrize(
    "two_signs",
    [
        {"resisted_knee_flexion": "weak_painful", "onset_mechanism": "overstretch_or_slip"},
        {"bruising": "extensive", "resisted_knee_flexion": "weak_painful"},
        {"can_walk_run": "cannot_walk_normally", "onset_mechanism": "overstretch_or_slip"},
    ],
)
def test_it_catches_a_proximal_pop_with_any_two_of_the_four_signs(two_signs):
    findings = {**SUDDEN_PROXIMAL, "ischial_tuberosity_tenderness": None, **two_signs}
    findings["pain_location"] = ["buttock"]

    assert flag_ids(diagnose(findings)) == ["avulsion_proximal_pattern"]


def test_it_needs_two_signs_not_one_for_the_proximal_pattern():
    findings = {**SUDDEN_PROXIMAL, "resisted_knee_flexion": "weak_painful"}

    assert diagnose(findings).label == "acute_strain"


def test_it_needs_the_pop_for_the_proximal_pattern_without_a_gap():
    findings = {
        **SUDDEN_PROXIMAL,
        "felt_pop_or_tear": False,
        "bruising": "extensive",
        "can_walk_run": "cannot_walk_normally",
    }

    assert diagnose(findings).label == "acute_strain"


def test_it_keeps_a_mid_thigh_strain_with_a_pop_bruising_and_painful_weakness_an_acute_strain():
    findings = {
        **SUDDEN_PROXIMAL,
        "pain_location": ["mid_posterior_thigh"],
        "ischial_tuberosity_tenderness": False,
        "bruising": "extensive",
        "resisted_knee_flexion": "weak_painful",
    }

    result = diagnose(findings)

    assert result.label == "acute_strain"
    assert result.tier is None


def test_it_keeps_the_sprinting_strain_of_the_case_set_an_acute_strain():
    result = diagnose({**ACUTE_CASE, "pain_location": ["lower_posterior_thigh"]})

    assert result.label == "acute_strain"
    assert result.red_flags == ()


# --- amendment 25: adolescent apophyseal avulsion ----------------------------------------------

ADOLESCENT = {
    **SCREENED,
    "onset_type": "sudden_other_activity",
    "onset_mechanism": "sprint_or_acceleration",
    "stopped_immediately": True,
    "symptom_duration": "under_2_weeks",
    "ischial_tuberosity_tenderness": True,
    "hamstring_palpation": "focal_tenderness",
    "resisted_knee_flexion": "strong_painful",
}


def test_it_flags_a_sixteen_year_old_with_a_sudden_tender_sitting_bone_for_an_x_ray():
    result = diagnose({**ADOLESCENT, "age_years": 16})

    assert result.tier == "urgent"
    assert flag_ids(result) == ["apophyseal_avulsion"]
    assert "X-ray" in result.red_flags[0].action
    assert "within a week" in result.red_flags[0].action


def test_it_flags_an_eighteen_year_old_but_not_a_nineteen_year_old():
    assert flag_ids(diagnose({**ADOLESCENT, "age_years": 18})) == ["apophyseal_avulsion"]
    assert diagnose({**ADOLESCENT, "age_years": 19}).label == "acute_strain"


def test_it_needs_a_pop_or_stopping_at_once_for_the_adolescent_rule():
    findings = {**ADOLESCENT, "age_years": 16, "stopped_immediately": False}

    assert "apophyseal_avulsion" not in flag_ids(diagnose(findings))


def test_it_does_not_flag_an_adolescent_with_a_gradual_onset():
    findings = {**ADOLESCENT, "age_years": 15, "onset_type": "gradual"}

    assert "apophyseal_avulsion" not in flag_ids(diagnose(findings))


# --- no change of label on the existing case set -----------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_it_gives_every_earlier_case_the_same_label_under_rules_1_2(case):
    old = diagnose(case.findings, RULES_1_1)
    new = diagnose(case.findings)

    assert new.label == old.label == case.label
    assert new.confidence == old.confidence
    assert (new.tier is None) == (old.tier is None)


# --- the command-line contract on the cases of 3.9b ---------------------------------------------


def test_it_gives_the_3_9b_tiers_through_manage_py_diagnose(tmp_path):
    batch = [
        {**STRONG_NEURAL_CASE, "rf_calf_swelling_warmth": True},
        {**STRONG_NEURAL_CASE, "rf_fever_or_unwell": True, "rf_infection_risk": True},
        {**STRONG_NEURAL_CASE, "rf_significant_trauma": True},
        {**SUDDEN_PROXIMAL, "bruising": "extensive", "can_walk_run": "cannot_walk_normally"},
        {**ADOLESCENT, "age_years": 16},
        {**ADOLESCENT, "age_years": 19},
        {**STRONG_NEURAL_CASE, "rf_bowel_change": True, "rf_calf_swelling_warmth": True},
        {**SUDDEN_PROXIMAL, "pain_location": ["mid_posterior_thigh"], "bruising": "extensive"},
    ]

    completed = run_command(write_json(tmp_path, batch))

    assert completed.returncode == 0, completed.stderr
    results = json.loads(completed.stdout)
    assert [r["tier"] for r in results] == [
        "same_day",
        "same_day",
        "same_day",
        "urgent",
        "urgent",
        None,
        "emergency",
        None,
    ]
    assert all(r["rules_version"] == "1.2" for r in results)
    assert all(hit["action"] for r in results for hit in r["red_flags"])
    assert set(results[0]) == set(diagnose({}).as_dict())  # same keys as before
