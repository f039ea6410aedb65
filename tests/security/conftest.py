"""One populated clinic for the security tests: two patients (A and B) with portal logins and
everything the site can hold about them, so every URL can be built with real ids."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from assessments.models import Assessment, AssessmentDecision
from bookings.models import Appointment, ScheduleException, WorkingHours
from clinic.models import User
from exercises.models import Exercise, ExercisePlan, ExerciseVideo, PlanItem, SessionLog
from notifications.models import ReminderSchedule, SmsInbound
from notifications.schedules import reminder_schedules_for_patient_ensure, unsubscribe_token
from patients.models import Episode, Patient
from portal.models import Invitation
from portal.services import token_hash
from tests.assessments.factories import NEURAL_FINDINGS, AssessmentFactory
from tests.bookings.factories import AppointmentFactory, give_hours
from tests.conftest import make_user
from tests.exercises.factories import ExerciseFactory, confirmed_decision, log, published_plan
from tests.exercises.video_files import give_video
from tests.patients.factories import EpisodeFactory, PatientFactory

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
INVITATION_TOKEN = "security-walk-invitation-token"


@dataclass
class Side:
    """One patient and the records the site holds about them."""

    user: User
    patient: Patient
    episode: Episode
    plan: ExercisePlan
    item: PlanItem
    log: SessionLog
    appointment: Appointment
    schedule: ReminderSchedule  # the exercise reminders: recurring, on the settings page
    appointment_schedule: ReminderSchedule  # a one-off reminder before the appointment


@dataclass
class World:
    therapist: User
    reception: User
    manager: User
    a: Side
    b: Side
    draft: Assessment
    final: Assessment
    decision: AssessmentDecision
    exercise: Exercise
    hours: WorkingHours
    leave: ScheduleException
    invitation: Invitation
    unsubscribe_token: str
    video: ExerciseVideo  # of `exercise`, which is not in A's plan
    text: SmsInbound  # A texted the clinic: in reception's queue and before the clinicians

    def client_for(self, role: str | None) -> Client:
        """A fresh client signed in as `role` (None: anonymous; "patient": patient A)."""
        client = Client()
        user = {
            None: None,
            "patient": self.a.user,
            "reception": self.reception,
            "therapist": self.therapist,
            "manager": self.manager,
        }[role]
        if user is not None:
            client.force_login(user)
        return client


def _side(*, user: User, therapist: User, first_name: str, days_ahead: int) -> Side:
    patient = PatientFactory(user=user, first_name=first_name, email_reminders_consent=True)
    episode = EpisodeFactory(patient=patient, started_on=timezone.localdate() - dt.timedelta(30))
    today = timezone.localdate()
    plan = published_plan(
        therapist=therapist, episode=episode, start_date=today - dt.timedelta(days=7)
    )
    entry = log(plan, today - dt.timedelta(days=1))
    appointment = AppointmentFactory(
        patient=patient, therapist=therapist, start=timezone.now() + dt.timedelta(days=days_ahead)
    )
    reminder_schedules_for_patient_ensure(patient=patient)
    return Side(
        user=user,
        patient=patient,
        episode=episode,
        plan=plan,
        item=plan.items.first(),
        log=entry,
        appointment=appointment,
        schedule=ReminderSchedule.objects.get(patient=patient, once_at__isnull=True),
        appointment_schedule=ReminderSchedule.objects.get(patient=patient, once_at__isnull=False),
    )


@pytest.fixture
def world(db, settings, tmp_path, therapist, reception, manager, patient_user) -> World:
    settings.MEDIA_ROOT = tmp_path
    a = _side(user=patient_user, therapist=therapist, first_name="Ada", days_ahead=5)
    b = _side(
        user=make_user("b@test.example", User.Role.PATIENT),
        therapist=therapist,
        first_name="Bo",
        days_ahead=6,
    )
    draft = AssessmentFactory(episode=a.episode, therapist=therapist, findings=NEURAL_FINDINGS)
    final = AssessmentFactory(
        episode=a.episode, therapist=therapist, findings=NEURAL_FINDINGS, final=True
    )
    decision = confirmed_decision(episode=a.episode, therapist=therapist, final_dx="neural")
    exercise = ExerciseFactory(illustration=SimpleUploadedFile("still.png", PNG))
    give_hours(therapist, weekdays=[0])
    now = timezone.now()
    leave = ScheduleException.objects.create(
        therapist=therapist,
        kind=ScheduleException.Kind.LEAVE,
        start=now + dt.timedelta(days=40),
        end=now + dt.timedelta(days=41),
    )
    invitation = Invitation.objects.create(
        patient=b.patient,
        user=b.user,
        email=b.user.email,
        token_hash=token_hash(INVITATION_TOKEN),
        expires_at=now + dt.timedelta(hours=72),
        created_by=therapist,
    )
    return World(
        therapist=therapist,
        reception=reception,
        manager=manager,
        a=a,
        b=b,
        draft=draft,
        final=final,
        decision=decision,
        exercise=exercise,
        hours=WorkingHours.objects.filter(therapist=therapist).first(),
        leave=leave,
        invitation=invitation,
        unsubscribe_token=unsubscribe_token(schedule=a.schedule),
        video=give_video(exercise, therapist),
        text=SmsInbound.objects.create(
            provider_id="SMworld",
            phone=str(a.patient.phone),
            body="Can I move to Thursday?",
            received_at=now,
            patient=a.patient,
            for_clinician=True,
        ),
    )
