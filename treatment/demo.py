"""Demo session notes: the demo patient's three attended visits, signed.

The first visit is the test-treat-retest the intake asked for (assessments/demo.py: a mixed
picture, indeterminate): an L5 mobilisation leaves the slump and the SLR unchanged, the re-run
moves the suggestion from indeterminate to neural, and the therapist confirms neural on the
intake. The next two visits treat the nerve, and the re-tests show the SLR and the strength
coming back, which rehab's stage criteria read. Safe to run twice."""

from __future__ import annotations

from assessments import services as assessment_services
from bookings.models import Appointment
from treatment import selectors, services
from treatment.services import SessionDraft

LUMBAR_RETEST = SessionDraft(
    note={
        "patient_words": "Worse after long downhill runs; my back has been stiff on and off.",
        "retest_after_lumbar_treatment": "no_change",
        "plan_changes": "Start the nerve sliders; no lumbar exercises for now.",
        "review_interval_weeks": 2,
    },
    before={
        "slump_test": "positive_differentiated",
        "slump_knee_ext_deficit_deg": 15,
        "slr_test": "positive_differentiated",
        "slr_angle_affected_deg": 60,
        "slr_angle_other_deg": 75,
        "lumbar_rom": "reproduces_thigh_pain",
        "neuro_exam": "normal",
    },
    after={
        "slump_test": "positive_differentiated",
        "slump_knee_ext_deficit_deg": 14,
        "slr_test": "positive_differentiated",
        "slr_angle_affected_deg": 61,
        "slr_angle_other_deg": 75,
    },
    treatments=[
        {
            "kind": "lumbar_mobilisation",
            "technique": "pa_central",
            "level": "L5",
            "grade": 3,
            "body_position": "prone",
            "note": "3 x 60 seconds, then slump and SLR again",
        },
        {"kind": "education", "note": "Why the nerve, not the muscle; how to dose the sliders."},
    ],
)


def _neural_visit(*, words, before_slr, after_slr, strength, plan) -> SessionDraft:
    return SessionDraft(
        note={"patient_words": words, "plan_changes": plan, "review_interval_weeks": 1},
        before={
            "slump_test": "positive_differentiated",
            "slr_test": "positive_differentiated",
            "slr_angle_affected_deg": before_slr,
            "slr_angle_other_deg": 75,
            "knee_flexion_strength_pct": strength,
        },
        after={"slr_angle_affected_deg": after_slr, "slr_angle_other_deg": 75},
        treatments=[
            {
                "kind": "neural_mobilisation",
                "technique": "slider",
                "body_position": "slump_sitting",
                "repetitions": 10,
                "grade": 2,
            },
            {"kind": "exercise_progression", "note": "Added the bridge walk-outs."},
        ],
    )


LATER_VISITS = [
    _neural_visit(
        words="Sliders are easy. Flat runs fine; hills still niggle the next day.",
        before_slr=64,
        after_slr=67,
        strength=84,
        plan="Sliders twice a day; start the walk-run programme on the flat.",
    ),
    _neural_visit(
        words="No pain on the flat runs; a little tight the morning after the long one.",
        before_slr=68,
        after_slr=70,
        strength=92,
        plan="Move to tensioners; keep the programme on the flat for now.",
    ),
]

CONFIRM_REASON = (
    "Test-treat-retest at this visit: slump and SLR unchanged after an L5 mobilisation, so the "
    "nerve, not the back, is the source (session note)."
)


def seed(context: dict) -> list[str]:
    therapist, patient = context["therapist"], context["patient"]
    visits = list(
        Appointment.objects.filter(patient=patient, status__in=selectors.ATTENDED).order_by("start")
    )
    written = 0
    for visit, draft in zip(visits, [LUMBAR_RETEST, *LATER_VISITS], strict=False):
        if selectors.session_latest_for_appointment(appointment=visit) is not None:
            continue
        session, _ = services.session_open(appointment=visit, by=therapist)
        services.session_save_draft(session=session, draft=draft)
        session.refresh_from_db()
        services.session_sign(session=session, by=therapist)
        written += 1
        intake = context.get("intake")
        if draft is LUMBAR_RETEST and intake is not None and not intake.decisions.exists():
            assessment_services.decision_record(
                assessment=intake, by=therapist, final_dx="neural", override_reason=CONFIRM_REASON
            )
    return [f"treatment: {written} session note(s) signed for the demo patient"]
