"""Reads of demonstration videos. Access is decided by the caller's own selector: the library
for clinical staff, `exercise_in_plan` for a patient."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from django.db.models import Exists, F, Func, JSONField, OuterRef, QuerySet, Subquery
from django.db.models.fields.json import KeyTextTransform
from django.http import Http404

from clinic.rows import prepared_list
from exercises.models import Exercise, ExerciseVideo, PlanVersion


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


def plan_media(*, version) -> PlanMedia:
    """Which exercises of a published plan version have a picture, and their current videos
    (one query, none without a version). The portal home asks on every view: the SQL, with
    its subqueries, is compiled once per process (clinic/rows.py)."""
    media = PlanMedia(illustrated=set(), videos={})
    if version is None:
        return media
    rows = prepared_list("plan_media", Exercise, _plan_media, version_id=version.pk)
    for row in rows:
        if row["illustration"]:
            media.illustrated.add(row["code"])
        if row["video_id"] is not None:
            media.videos[row["code"]] = {
                "public_id": row["video_id"],
                "content_type": row["video_type"],
            }
    return media


def _plan_media(*, version_id: int):
    # The exercises the version's items name (their "key"), read from its JSON in the query.
    keys = (
        PlanVersion.objects.filter(pk=version_id)
        .annotate(item=Func(F("items"), function="jsonb_array_elements", output_field=JSONField()))
        .annotate(key=KeyTextTransform("key", "item"))
        .values("key")
    )
    current = current_videos().filter(exercise=OuterRef("pk"))
    return (
        Exercise.objects.filter(code__in=Subquery(keys))
        .annotate(
            video_id=Subquery(current.values("public_id")[:1]),
            video_type=Subquery(current.values("content_type")[:1]),
        )
        .values("code", "illustration", "video_id", "video_type")
    )


def has_video() -> Exists:
    """An annotation for exercise querysets: does the exercise have a current video?"""
    return Exists(current_videos().filter(exercise=OuterRef("pk")))
