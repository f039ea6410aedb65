"""One runner's whole record, for the FHIR tests: an episode with a final intake (outcome
measures and objective tests), a confirmed diagnosis, a pre-visit questionnaire, an exercise
plan in two versions, appointments and a signed treatment session with re-tests."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from assessments.models import Assessment, AssessmentDecision, PreVisitQuestionnaire
from bookings.models import Appointment
from clinic.models import User
from exercises.models import ExercisePlan, PlanItem
from exercises.services import plan_publish
from interop import services
from patients.models import Episode, Patient
from tests.assessments.factories import NEURAL_FINDINGS
from tests.bookings.factories import AppointmentFactory
from tests.exercises.factories import confirmed_decision, published_plan
from tests.patients.factories import EpisodeFactory, PatientFactory
from tests.treatment.factories import attended_visit, final_intake, session_with
from treatment import services as treatment_services
from treatment.models import TreatmentSession

MEASURES = {
    "nprs_now": 6,
    "nprs_worst_week": 8,
    "lefs_score": 52,
    "odi_percent": 18,
    "psfs_mean": Decimal("4.67"),
    "slr_angle_affected_deg": 55,
    "slr_angle_other_deg": 75,
    "slump_knee_ext_deficit_deg": 20,
}


@dataclass
class Record:
    patient: Patient
    episode: Episode
    intake: Assessment
    decision: AssessmentDecision
    questionnaire: PreVisitQuestionnaire
    plan: ExercisePlan
    appointment: Appointment
    session: TreatmentSession


#: Each record of a test takes its own hours for its visits, so one therapist's never overlap.
_SLOTS = {"next": itertools.count()}


@pytest.fixture(autouse=True)
def _fresh_slots():
    _SLOTS["next"] = itertools.count()


def build_record(*, therapist, first_name="Ada") -> Record:
    slot = next(_SLOTS["next"])
    patient = PatientFactory(first_name=first_name, last_name="Lovelace")
    episode = EpisodeFactory(patient=patient, started_on=dt.date(2026, 1, 10))
    intake = final_intake(
        episode=episode, therapist=therapist, findings={**NEURAL_FINDINGS, **MEASURES}
    )
    Assessment.objects.filter(pk=intake.pk).update(assessed_on=dt.date(2026, 1, 12))
    decision = confirmed_decision(episode=episode, therapist=therapist, final_dx="neural")
    questionnaire = PreVisitQuestionnaire.objects.create(
        patient=patient,
        episode=episode,
        answers={
            "nprs_now": 6,
            "aggr_downhill": "worse",
            "psfs_mean": 4.5,
            "red_flag_screen_completed": True,
        },
    )
    plan = published_plan(therapist=therapist, episode=episode, start_date=dt.date(2026, 1, 12))
    item = plan.items.order_by("position").first()
    PlanItem.objects.filter(pk=item.pk).update(reps=(item.reps or 10) + 2)
    plan_publish(plan=plan, user=therapist, change="More repetitions")
    plan.refresh_from_db()
    appointment = AppointmentFactory(
        patient=patient,
        therapist=therapist,
        episode=episode,
        start=timezone.now() + dt.timedelta(days=3, hours=2 * slot),
    )
    visit = attended_visit(therapist=therapist, episode=episode, hours_ago=2 + 2 * slot)
    draft = session_with(
        appointment=visit,
        therapist=therapist,
        before={"slr_angle_affected_deg": 50, "knee_flexion_strength_pct": 80},
        after={"slr_angle_affected_deg": 60},
    )
    session = treatment_services.session_sign(
        session=TreatmentSession.objects.get(pk=draft.pk), by=therapist
    )
    return Record(
        patient=patient,
        episode=episode,
        intake=intake,
        decision=decision,
        questionnaire=questionnaire,
        plan=plan,
        appointment=appointment,
        session=session,
    )


@pytest.fixture
def record(db, therapist) -> Record:
    return build_record(therapist=therapist)


def token_for(user: User, manager: User) -> str:
    _, raw = services.token_create(user=user, label="Tests", by=manager)
    return raw


def api(raw: str | None) -> Client:
    """A client that sends the bearer token on every request (no session)."""
    if raw is None:
        return Client()
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


@pytest.fixture
def therapist_api(therapist, manager) -> Client:
    return api(token_for(therapist, manager))


@pytest.fixture
def reception_api(reception, manager) -> Client:
    return api(token_for(reception, manager))
