"""Reads of demonstration videos. Access is decided by the caller's own selector: the library
for clinical staff, `exercise_in_plan` for a patient."""

from __future__ import annotations

from uuid import UUID

from django.db.models import Exists, OuterRef, QuerySet
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


def videos_for_codes(*, codes) -> dict[str, dict]:
    """For each of these exercises with a current video: its public id and content type,
    keyed by exercise code (one query)."""
    rows = (
        current_videos()
        .filter(exercise__code__in=list(codes))
        .values("exercise__code", "public_id", "content_type")
    )
    return {row.pop("exercise__code"): row for row in rows}


def has_video() -> Exists:
    """An annotation for exercise querysets: does the exercise have a current video?"""
    return Exists(current_videos().filter(exercise=OuterRef("pk")))
