"""Writes for patients and episodes."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F, Max

from patients.models import Episode, Patient


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
