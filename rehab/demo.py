"""Demo data: the demo patient's episode has moved on from the first rehab stage."""

from __future__ import annotations

from rehab import selectors, services
from rehab.models import StageChange


def seed(context: dict) -> list[str]:
    episode = context.get("episode")
    if episode is None:
        return []
    if not StageChange.objects.filter(episode=episode).exists():
        status = selectors.episode_rehab(episode=episode)
        if status.next_stage is None:
            return []
        services.stage_change_record(
            episode=episode,
            user=context["therapist"],
            to_stage=status.next_stage.code,
            reason="Sliders settle within the day; time to work on how far the leg lifts.",
        )
    status = selectors.episode_rehab(episode=episode)
    return [f"rehab: episode {episode.number} in {status.stage.label if status.stage else '-'}"]
