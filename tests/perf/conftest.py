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

from assessments.models import Assessment
from bookings.models import Appointment, AppointmentType
from clinic import load_data
from clinic.models import User
from exercises.models import Exercise, ExercisePlan, SessionLog
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


def week_of(day: dt.date) -> str:
    return day.isoformat()


def url(name: str, *args, query: str = "") -> str:
    return reverse(name, args=args) + (f"?{query}" if query else "")
