"""Writes for patients and episodes. Nothing is deleted: patients are archived, episodes
discharged."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from notifications.schedules import schedules_follow_patient
from patients.models import Episode, Patient


def patient_create(*, created_by, **fields) -> Patient:
    """Register a patient. `fields` are Patient model fields (PatientForm.cleaned_data fits).

    Raises ValidationError when a value breaks a model rule; nothing is saved then.
    """
    patient = Patient(created_by=created_by, **fields)
    patient.full_clean()
    patient.save()
    return patient


def patient_update(*, patient: Patient, **fields) -> Patient:
    """Change a patient's details; the previous values stay in the history table, and the
    patient's reminder schedules move to a new time zone keeping their local times."""
    for name, value in fields.items():
        setattr(patient, name, value)
    patient.full_clean()
    with transaction.atomic():
        patient.save()
        # Reminders follow the patient's time zone (one indexed query when it is unchanged).
        schedules_follow_patient(patient=patient)
    return patient


def patient_archive(*, patient: Patient) -> Patient:
    """Hide a patient from lists and searches; the record itself is kept. Idempotent."""
    if patient.archived_at is None:
        patient.archived_at = timezone.now()
        patient.save(update_fields=["archived_at", "updated_at"])
    return patient


def patient_restore(*, patient: Patient) -> Patient:
    """Bring an archived patient back into lists and searches. Idempotent."""
    if patient.archived_at is not None:
        patient.archived_at = None
        patient.save(update_fields=["archived_at", "updated_at"])
    return patient


@transaction.atomic
def episode_open(*, patient: Patient, side: str, started_on: dt.date) -> Episode:
    """Open the patient's next numbered episode. Numbers start at 1 and never repeat."""
    # Lock the patient row so two concurrent openings cannot take the same number.
    Patient.objects.select_for_update().filter(pk=patient.pk).first()
    last = patient.episodes.aggregate(last=Max("number"))["last"] or 0
    episode = Episode.objects.create(
        patient=patient, number=last + 1, side=side, started_on=started_on
    )
    Patient.objects.filter(pk=patient.pk).update(episode_count=F("episode_count") + 1)
    patient.refresh_from_db(fields=["episode_count"])
    return episode


def episode_discharge(
    *, episode: Episode, discharged_on: dt.date, outcome: str, outcome_note: str = ""
) -> Episode:
    """Close an open episode with its outcome. Raises ValueError if it is already closed."""
    if not episode.is_open:
        raise ValueError("This episode is already discharged.")
    episode.status = Episode.Status.DISCHARGED
    episode.discharged_on = discharged_on
    episode.outcome = outcome
    episode.outcome_note = outcome_note
    episode.full_clean()
    episode.save()
    return episode
