"""Demo intake for the demo patient: neural signs with a lumbar picture beside them, so the
engine cannot choose (indeterminate, mixed neural and lumbar). The therapist records a working
diagnosis and test-treat-retest as the deciding test; treatment/demo.py does that test at the
same visit, and the diagnosis is confirmed from it."""

from __future__ import annotations

import datetime as dt

from assessments import services
from assessments.forms import RED_FLAG_ITEMS
from assessments.models import Assessment, WorkingDiagnosis

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
    "previous_low_back_injury": "past_resolved",
    "low_back_stiffness": "occasional",
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
    "aggr_uphill": "worse",
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
    "sciatic_nerve_palpation": "non_tender",
    "lumbar_rom": "reproduces_thigh_pain",
    "lumbar_provocative_direction": "extension",
    "repeated_movements": "no_change",
    "directional_preference": "none",
    "pa_accessory_glide": "reproduces_thigh_pain",
    "pa_level": "L5",
    "neuro_exam": "normal",
    "hamstring_palpation": "non_tender",
    "bruising": "none",
    "resisted_knee_flexion": "strong_painless",
    "ischial_tuberosity_tenderness": False,
    "proximal_tendon_provocation": "negative",
    "retest_after_lumbar_treatment": "not_done",
    "red_flag_screen_completed": True,
    "lefs_score": 58,
    "psfs_mean": 5.5,
    "slanss_score": 8,
    "paindetect_score": 11,
}


#: Days before today of the first visit (bookings/demo.py books it).
FIRST_VISIT_DAYS_AGO = 21


def seed(context: dict) -> list[str]:
    episode = context["episode"]
    therapist = context["therapist"]
    assessment = episode.assessments.filter(kind=Assessment.Kind.INTAKE).first()
    if assessment is None:
        findings = {**DEMO_FINDINGS, **dict.fromkeys(RED_FLAG_ITEMS, False)}
        assessment = services.assessment_create(
            episode=episode, therapist=therapist, findings=findings
        )
        first_visit = context["today"] - dt.timedelta(days=FIRST_VISIT_DAYS_AGO)
        Assessment.objects.filter(pk=assessment.pk).update(assessed_on=first_visit)
        assessment.refresh_from_db()
    if not assessment.is_final:
        services.assessment_finalise(assessment=assessment, by=therapist)
    context["intake"] = assessment
    if assessment.decisions.exists():
        return [f"assessment: intake for {episode.patient}, diagnosis confirmed"]
    if not WorkingDiagnosis.objects.filter(assessment=assessment).exists():
        services.working_diagnosis_record(
            assessment=assessment,
            by=therapist,
            working_dx=WorkingDiagnosis.Dx.MIXED_NEURAL_LUMBAR,
            deciding_test=WorkingDiagnosis.DecidingTest.RETEST_AFTER_LUMBAR,
            deciding_test_note="Mobilise L5, then repeat the slump and the SLR.",
        )
    return [f"assessment: intake for {episode.patient}, mixed picture, working diagnosis"]
