"""Shared set-up for the online booking tests: an existing patient who may book follow-ups."""

from __future__ import annotations

import datetime as dt

from bookings.models import AppointmentType
from clinic.models import User
from tests.bookings.factories import AppointmentFactory, follow_up
from tests.conftest import make_user
from tests.patients.factories import EpisodeFactory, PatientFactory


def online_follow_up() -> AppointmentType:
    """The follow-up type, allowed online (the data migration's rows are flushed by
    transactional tests, and the factory's fallback does not set the flag)."""
    kind = follow_up()
    if not kind.bookable_online:
        AppointmentType.objects.filter(pk=kind.pk).update(bookable_online=True)
        kind.refresh_from_db()
    return kind


def existing_patient(*, email: str, therapist: User, seen: dt.datetime, **fields):
    """A patient with a portal login, an open episode and an attended first visit."""
    user = make_user(email, User.Role.PATIENT)
    patient = PatientFactory(user=user, email=email, **fields)
    episode = EpisodeFactory(patient=patient)
    AppointmentFactory(
        patient=patient, therapist=therapist, episode=episode, start=seen, status="completed"
    )
    return patient
