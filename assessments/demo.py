"""Demo intake for the demo patient: a typical neural picture, finalised and confirmed."""

from __future__ import annotations

from assessments import services
from assessments.forms import RED_FLAG_ITEMS
from assessments.models import Assessment

DEMO_FINDINGS = {
    "age_years": 40,
    "sex": "female",
    "affected_side": "left",
    "weekly_running_km": 45,
    "main_terrain": "trail_hilly",
    "symptom_duration": "3_to_12_months",
    "onset_type": "gradual",
    "onset_mechanism": "none",
    "felt_pop_or_tear": False,
    "previous_hamstring_injury": "significant_tear",
    "last_hamstring_injury_ago": "over_6_months",
    "previous_low_back_injury": "none",
    "low_back_stiffness": "none",
    "current_low_back_pain": "none",
    "stretching_response": "aggravates",
    "episodes_last_12_months": 3,
    "pain_location": ["upper_posterior_thigh", "mid_posterior_thigh"],
    "pain_below_knee": False,
    "pain_quality": ["tight_band_pulling", "nipping"],
    "pain_distribution": "narrow_band",
    "paraesthesia": "none",
    "sitting_effect": "worse",
    "cough_sneeze_aggravates": False,
    "night_pain": "none",
    "can_walk_run": "runs_with_symptoms",
    "nprs_now": 2,
    "nprs_worst_week": 6,
    "aggr_downhill": "worse",
    "aggr_uphill": "no_change",
    "aggr_flat": "no_change",
    "aggr_faster_speed": "worse",
    "aggr_long_stride": "worse",
    "symptom_timing": "worse_after_than_during",
    "warmup_effect": "no_change",
    "slump_test": "positive_differentiated",
    "slump_knee_ext_deficit_deg": 15,
    "slr_test": "positive_differentiated",
    "slr_angle_affected_deg": 60,
    "slr_angle_other_deg": 75,
    "crossed_slr": "negative",
    "sciatic_nerve_palpation": "tender_affected_side",
    "lumbar_rom": "full_painless",
    "lumbar_provocative_direction": "none",
    "repeated_movements": "no_change",
    "directional_preference": "none",
    "pa_accessory_glide": "no_pain",
    "pa_level": "na",
    "neuro_exam": "normal",
    "hamstring_palpation": "non_tender",
    "bruising": "none",
    "resisted_knee_flexion": "strong_painless",
    "ischial_tuberosity_tenderness": False,
    "proximal_tendon_provocation": "negative",
    "retest_after_lumbar_treatment": "no_change",
    "red_flag_screen_completed": True,
    "lefs_score": 58,
    "psfs_mean": 5.5,
    "slanss_score": 8,
    "paindetect_score": 11,
}


def seed(context: dict) -> list[str]:
    episode = context["episode"]
    therapist = context["therapist"]
    assessment = episode.assessments.filter(kind=Assessment.Kind.INTAKE).first()
    if assessment is None:
        findings = {**DEMO_FINDINGS, **dict.fromkeys(RED_FLAG_ITEMS, False)}
        assessment = services.assessment_create(
            episode=episode, therapist=therapist, findings=findings
        )
    if not assessment.is_final:
        services.assessment_finalise(assessment=assessment, by=therapist)
    decision = assessment.decisions.first()
    if decision is None:
        decision = services.decision_record(assessment=assessment, by=therapist, final_dx="neural")
    return [f"assessment: intake for {episode.patient}, confirmed {decision.final_dx}"]
