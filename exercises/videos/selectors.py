"""Reads of demonstration videos. Access is decided by the caller's own selector: the library
for clinical staff, `exercise_in_plan` for a patient."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.http import Http404

from exercises.models import Exercise, ExerciseVideo


def current_videos() -> QuerySet[ExerciseVideo]:
    return ExerciseVideo.objects.filter(replaced_at__isnull=True)


def video_current(*, exercise: Exercise) -> ExerciseVideo | None:
    """The video patients see for this exercise now, if there is one."""
    return current_videos().filter(exercise=exercise).first()


def video_of_exercise(*, exercise: Exercise) -> ExerciseVideo:
    """The current video of an exercise the caller may see, or 404."""
    video = video_current(exercise=exercise)
    if video is None:
        raise Http404("No video for this exercise")
    return video


def video_get(*, public_id: UUID | str) -> ExerciseVideo:
    """Any video, current or replaced (the library's history), for clinical staff."""
    try:
        return ExerciseVideo.objects.get(public_id=public_id)
    except (ExerciseVideo.DoesNotExist, ValueError, TypeError):
        raise Http404("No such video") from None


def video_history(*, exercise: Exercise) -> list[ExerciseVideo]:
    """Every video uploaded for the exercise, newest first, with who uploaded it."""
    return list(exercise.videos.select_related("uploaded_by").order_by("-created_at", "-id"))


@dataclass(frozen=True)
class PlanMedia:
    illustrated: set[str]  # codes of the exercises with a picture
    videos: dict[str, dict]  # code: the current video's public_id and content_type


def plan_media(*, codes) -> PlanMedia:
    """Which of these exercises have a picture, and their current videos (one query)."""
    current = current_videos().filter(exercise=OuterRef("pk"))
    rows = (
        Exercise.objects.filter(code__in=list(codes))
        .annotate(
            video_id=Subquery(current.values("public_id")[:1]),
            video_type=Subquery(current.values("content_type")[:1]),
        )
        .values_list("code", "illustration", "video_id", "video_type")
    )
    media = PlanMedia(illustrated=set(), videos={})
    for code, illustration, video_id, video_type in rows:
        if illustration:
            media.illustrated.add(code)
        if video_id is not None:
            media.videos[code] = {"public_id": video_id, "content_type": video_type}
    return media


def has_video() -> Exists:
    """An annotation for exercise querysets: does the exercise have a current video?"""
    return Exists(current_videos().filter(exercise=OuterRef("pk")))
