"""A runner's attended visit and the episode's findings, for session-note tests."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from bookings.models import Appointment
from tests.assessments.factories import AssessmentFactory
from tests.bookings.factories import AppointmentFactory
from tests.patients.factories import EpisodeFactory
from treatment import services
from treatment.services import SessionDraft

#: SPEC 3.9a-17's mixed examination: a differentiated slump and a lumbar range that brings
#: on the thigh symptom, neural ahead by 5. The engine says indeterminate (mixed neural and
#: lumbar) and asks for test-treat-retest.
MIXED_PICTURE = {
    "red_flag_screen_completed": True,
    "previous_hamstring_injury": "significant_tear",
    "slump_test": "positive_differentiated",
    "sciatic_nerve_palpation": "tender_affected_side",
    "lumbar_rom": "reproduces_thigh_pain",
    "current_low_back_pain": "mild",
    "aggr_downhill": "worse",
}

LUMBAR_PA_L5 = {
    "kind": "lumbar_mobilisation",
    "technique": "pa_central",
    "level": "L5",
    "grade": 3,
    "body_position": "prone",
    "repetitions": None,
    "note": "3 x 60 s",
}


def attended_visit(*, therapist, episode=None, status=Appointment.Status.ARRIVED, hours_ago=1):
    """An appointment that started `hours_ago` hours ago, on an episode with an intake."""
    episode = episode or EpisodeFactory()
    start = timezone.now() - dt.timedelta(hours=hours_ago)
    return AppointmentFactory(
        patient=episode.patient,
        therapist=therapist,
        episode=episode,
        start=start,
        status=status,
    )


def final_intake(*, episode, therapist, findings=MIXED_PICTURE):
    return AssessmentFactory(episode=episode, therapist=therapist, findings=findings, final=True)


def session_with(*, appointment, therapist, before=None, after=None, treatments=(), **note):
    """A draft session for the appointment with the re-tests, treatments and note given."""
    session, _ = services.session_open(appointment=appointment, by=therapist)
    services.session_save_draft(
        session=session,
        draft=SessionDraft(
            note=note, before=before or {}, after=after or {}, treatments=list(treatments)
        ),
    )
    session.refresh_from_db()
    return session
