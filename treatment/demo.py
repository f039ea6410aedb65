"""Demo session note: the demo patient's most recent attended follow-up, signed, with a
lumbar mobilisation and the slump and SLR re-tested before and after. Safe to run twice."""

from __future__ import annotations

from bookings.models import Appointment
from treatment import selectors, services
from treatment.services import SessionDraft


def seed(context: dict) -> list[str]:
    therapist, patient = context["therapist"], context["patient"]
    appointment = (
        Appointment.objects.filter(patient=patient, status__in=selectors.ATTENDED)
        .order_by("-start")
        .first()
    )
    if appointment is None:
        return ["treatment: no attended visit of the demo patient to write a note for"]
    if selectors.session_latest_for_appointment(appointment=appointment) is not None:
        return ["treatment: the demo session note is there"]
    session, _ = services.session_open(appointment=appointment, by=therapist)
    services.session_save_draft(
        session=session,
        draft=SessionDraft(
            note={
                "patient_words": "Better on the flat; still tight on the long downhill.",
                "retest_after_lumbar_treatment": "neural_signs_improved",
                "plan_changes": "Slump sliders twice a day; keep the hills out for a week.",
                "review_interval_weeks": 2,
            },
            before={
                "slump_test": "positive_differentiated",
                "slump_knee_ext_deficit_deg": 18,
                "slr_test": "positive_differentiated",
                "slr_angle_affected_deg": 55,
                "slr_angle_other_deg": 75,
            },
            after={
                "slump_test": "negative",
                "slump_knee_ext_deficit_deg": 6,
                "slr_test": "positive_not_differentiated",
                "slr_angle_affected_deg": 66,
                "slr_angle_other_deg": 75,
            },
            treatments=[
                {
                    "kind": "lumbar_mobilisation",
                    "technique": "pa_central",
                    "level": "L5",
                    "grade": 3,
                    "body_position": "prone",
                    "note": "3 x 60 seconds",
                },
                {
                    "kind": "neural_mobilisation",
                    "technique": "slider",
                    "body_position": "slump_sitting",
                    "repetitions": 10,
                },
            ],
        ),
    )
    session.refresh_from_db()
    services.session_sign(session=session, by=therapist)
    return ["treatment: a signed session note with a test-treat-retest for the demo patient"]
