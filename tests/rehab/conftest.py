from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from assessments.models import Assessment
from clinic.models import User
from patients.models import Episode, Patient
from tests.assessments.factories import AssessmentFactory
from tests.conftest import make_user
from tests.exercises.factories import confirmed_decision, log, published_plan
from tests.patients.factories import EpisodeFactory, PatientFactory


@dataclass
class Case:
    patient: Patient
    episode: Episode
    plan: object


def slr_visit(episode, therapist, *, affected, other, days_ago=0, kind="follow_up", **findings):
    """A final assessment recording the SLR angles (and any other findings)."""
    return AssessmentFactory(
        episode=episode,
        therapist=therapist,
        kind=kind,
        final=True,
        assessed_on=timezone.localdate() - dt.timedelta(days=days_ago),
        findings={"slr_angle_affected_deg": affected, "slr_angle_other_deg": other, **findings},
    )


def calm_week(plan, *, pain=1, days=3, worse=False):
    """`days` portal logs ending yesterday, pain during at `pain`/10."""
    today = timezone.localdate()
    for offset in range(days, 0, -1):
        log(plan, today - dt.timedelta(days=offset), pain=pain, worse_next_morning=worse)


@pytest.fixture
def neural_case(db, therapist, patient_user) -> Case:
    """A neural runner with a portal login, a published plan and a confirmed diagnosis."""
    patient = PatientFactory(user=patient_user, first_name="Nell")
    episode = EpisodeFactory(patient=patient, started_on=timezone.localdate() - dt.timedelta(60))
    plan = published_plan(
        therapist=therapist, episode=episode, start_date=timezone.localdate() - dt.timedelta(20)
    )
    confirmed_decision(episode=episode, therapist=therapist, final_dx="neural")
    Assessment.objects.filter(episode=episode).update(
        assessed_on=timezone.localdate() - dt.timedelta(30)
    )
    return Case(patient=patient, episode=episode, plan=plan)


@pytest.fixture
def other_patient(db) -> User:
    return make_user("other-patient@test.example", User.Role.PATIENT)
