"""Builders for rehab records: stage changes and discharge summaries."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from patients.models import Episode
from rehab.models import DischargeSummary, StageChange
from tests.patients.factories import EpisodeFactory


def discharge_summary_for(*, patient, user, consent: bool = True) -> DischargeSummary:
    """The patient's summary of a discharged earlier episode (one is made the first time)."""
    found = DischargeSummary.objects.filter(episode__patient=patient).first()
    if found is not None:
        return found
    episode = EpisodeFactory(
        patient=patient,
        started_on=dt.date(2025, 3, 1),
        status=Episode.Status.DISCHARGED,
        discharged_on=dt.date(2025, 5, 1),
        outcome=Episode.Outcome.RESOLVED,
    )
    return DischargeSummary.objects.create(
        episode=episode,
        final_dx="neural",
        final_dx_label="Neural tissue sensitivity",
        stage_list="neural",
        stage_reached="return_to_speed",
        advice="Keep sliding.",
        gp_letter_consent=consent,
        gp_consent_how="in_person" if consent else "",
        gp_consent_at=timezone.now() if consent else None,
        created_by=user,
    )


def stage_change(
    *, episode, user, from_stage, to_stage, when, reason="", met=True, direction="forward"
):
    """A stage change recorded directly (tests of history and durations)."""
    return StageChange.objects.create(
        episode=episode,
        stage_list="neural",
        catalogue_version="1",
        from_stage=from_stage,
        to_stage=to_stage,
        direction=direction,
        criteria=[],
        criteria_met=met,
        reason=reason,
        decided_by=user,
        decided_at=when,
    )
