"""The patients app's own entries on the patient page timeline: episodes opening and closing."""

from __future__ import annotations

from clinic.access import CLINICAL, has_role
from clinic.display import display
from clinic.panels import TimelineEntry
from patients.models import Episode
from patients.page_rows import PageRead
from patients.selectors import _episodes_of_patient


def patient_page_reads(*, user, patient) -> list[PageRead]:
    """The patient's episodes, for the page and every panel (`episodes_load`)."""
    return [PageRead("episodes_of_patient", Episode, _episodes_of_patient)]


def timeline_entries(*, user, patient) -> list[TimelineEntry]:
    clinical = has_role(user, CLINICAL)
    entries = []
    for episode in patient.episodes.all():
        side = f" ({display(episode, 'side').lower()})" if clinical else ""
        entries.append(
            TimelineEntry(
                when=episode.started_on,
                kind="episode",
                title=f"Episode {episode.number} began{side}",
                episode_id=episode.id,
            )
        )
        if episode.discharged_on:
            entries.append(
                TimelineEntry(
                    when=episode.discharged_on,
                    kind="episode",
                    title=f"Episode {episode.number} discharged",
                    detail=display(episode, "outcome") if clinical else "",
                    episode_id=episode.id,
                )
            )
    return entries
