"""Data sets for the performance tests, built with the `seed_load` generator.

A data set lives for one test module: it is written inside a transaction that is rolled back
when the module is done, so the rest of the suite never sees it.
"""

from __future__ import annotations

import datetime as dt
import random
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import transaction
from django.test import Client
from django.urls import reverse

from assessments.models import Assessment, AssessmentDecision, ReferralOutcome
from bookings.models import Appointment, AppointmentType
from clinic.models import User
from exercises.models import Exercise, ExercisePlan, SessionLog
from loadgen import load_data
from notifications.models import ReminderDelivery, ReminderSchedule
from patients.models import Patient


def _quiet(label: str, done: int, total: int) -> None:
    pass


@contextmanager
def loaded(patients: int):
    """A generated data set of `patients` patients (and everything that scales with them)."""
    with transaction.atomic():
        load_data.build(patients=patients, rng=random.Random(7), progress=_quiet)
        try:
            yield World.of_load()
        finally:
            transaction.set_rollback(True)


@dataclass
class World:
    """The objects the pages under test are about: the first generated patient and theirs."""

    therapist: User
    reception: User
    manager: User
    patient: Patient
    assessment: Assessment
    plan: ExercisePlan
    log: SessionLog
    appointment: Appointment
    exercise: Exercise
    follow_up: AppointmentType

    @classmethod
    def of_load(cls) -> World:
        therapist = User.objects.get(email=f"therapist01{load_data.EMAIL_DOMAIN}")
        patient = (
            Patient.objects.filter(created_by=therapist, archived_at__isnull=True)
            .order_by("id")
            .first()
        )
        portal_user = User.objects.create_user(
            email=f"portal{load_data.EMAIL_DOMAIN}", role=User.Role.PATIENT
        )
        Patient.objects.filter(pk=patient.pk).update(user=portal_user)
        patient.refresh_from_db()
        # Whatever the random draw, the pages show this patient's plan, reminders and a failure.
        ExercisePlan.objects.filter(patient=patient).update(
            status=ExercisePlan.Status.ACTIVE, end_date=None
        )
        ReminderSchedule.objects.filter(patient=patient).update(unsubscribed_at=None, ended_at=None)
        failed = ReminderDelivery.objects.filter(patient=patient).order_by("id").first()
        ReminderDelivery.objects.filter(pk=failed.pk).update(
            status=ReminderDelivery.Status.FAILED, sent_at=None, last_error="550 No such user"
        )
        _refer_every_patient(therapist)
        return cls(
            therapist=therapist,
            reception=User.objects.get(email=f"reception{load_data.EMAIL_DOMAIN}"),
            manager=User.objects.create_superuser(
                email=f"manager{load_data.EMAIL_DOMAIN}", password=None
            ),
            patient=patient,
            assessment=Assessment.objects.filter(episode__patient=patient).order_by("id").first(),
            plan=ExercisePlan.objects.get(patient=patient),
            log=SessionLog.objects.filter(patient=patient).order_by("-date").first(),
            appointment=Appointment.objects.filter(
                patient=patient, status=Appointment.Status.BOOKED
            )
            .order_by("start")
            .last(),
            exercise=Exercise.objects.order_by("code").first(),
            follow_up=AppointmentType.objects.get(slug="follow-up"),
        )

    def client_for(self, role: str) -> Client:
        client = Client()
        client.force_login(
            {
                "therapist": self.therapist,
                "reception": self.reception,
                "manager": self.manager,
                "patient": self.patient.user,
            }[role]
        )
        return client


def _refer_every_patient(therapist: User) -> None:
    """A red-flag referral on every final intake of the therapist's patients, each tier in
    turn, every other one with an outcome that leaves it open: the open referrals grow with
    the data set (the generator records no decisions)."""
    intakes = Assessment.objects.filter(
        episode__patient__created_by=therapist,
        kind=Assessment.Kind.INTAKE,
        status=Assessment.Status.FINAL,
    ).order_by("id")
    referrals = AssessmentDecision.objects.bulk_create(
        AssessmentDecision(
            assessment=intake,
            episode_id=intake.episode_id,
            clinician_final_dx="red_flag_referral",
            suggested_label="red_flag",
            suggested_dx="red_flag_referral",
            model_version="1.2",
            score_snapshot={"tier": ("emergency", "same_day", "urgent")[number % 3]},
            findings={},
            confirmed_by=therapist,
        )
        for number, intake in enumerate(intakes)
    )
    ReferralOutcome.objects.bulk_create(
        ReferralOutcome(
            decision=referral,
            seen_on=referral.confirmed_at.date(),
            seen_by="gp",
            result="Seen, waiting for a scan",
            cleared_to_resume="not_yet",
            recorded_by=therapist,
        )
        for referral in referrals[::2]
    )


def week_of(day: dt.date) -> str:
    return day.isoformat()


def url(name: str, *args, query: str = "") -> str:
    return reverse(name, args=args) + (f"?{query}" if query else "")
