"""Reads of demonstration videos. Access is decided by the caller's own selector: the library
for clinical staff, `exercise_in_plan` for a patient."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from django.contrib.postgres.fields import ArrayField
from django.db.models import (
    BooleanField,
    CharField,
    Exists,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.http import Http404

from clinic.json_rows import JSONRow, RowsArray
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


def plan_media(*, plan) -> PlanMedia:
    """Which exercises of the plan's published version have a picture, and their current
    videos, from the `media` its query annotated with `media_of_current_version()` (the portal
    home's plan carries it: no query of its own). Empty without a plan."""
    media = PlanMedia(illustrated=set(), videos={})
    if plan is None:
        return media
    rows = plan.__dict__.get("media")
    if rows is None:  # SQLite (`make run`): the plan's query could not read them
        rows = _media_rows(plan)
    for row in rows:
        if row["illustration"]:
            media.illustrated.add(row["code"])
        video = row["video"]
        if video is not None:
            media.videos[row["code"]] = {
                "public_id": UUID(video["public_id"]),
                "content_type": video["content_type"],
            }
    return media


def _media_rows(plan) -> list[dict]:
    """What `media_of_current_version` reads, by two queries (for SQLite, which cannot unnest
    the version's items in SQL)."""
    version = PlanVersion.objects.filter(pk=plan.current_version_id).values("items").first()
    codes = {item.get("key") for item in (version or {}).get("items") or ()}
    current = current_videos().filter(exercise=OuterRef("pk"))
    exercises = (
        Exercise.objects.filter(code__in=codes)
        .order_by("code")
        .annotate(
            video_id=Subquery(current.values("public_id")[:1]),
            video_type=Subquery(current.values("content_type")[:1]),
        )
    )
    return [
        {
            "code": exercise.code,
            "illustration": exercise.illustration.name or None,
            "video": None
            if exercise.video_id is None
            else {"public_id": str(exercise.video_id), "content_type": exercise.video_type},
        }
        for exercise in exercises
    ]


def media_of_current_version() -> RowsArray:
    """An annotation for plan querysets that read their current version with them
    (`select_related("current_version")`): for each exercise the version's items name (their
    "key", read from the version's JSON in the query), its code, picture and current video
    (`plan_media` reads them): the video's key and type as one object, from one subquery per
    exercise (two subqueries of the same row cost the server twice). The exercises are found
    by their codes (`code = ANY(...)`) from the version row the plan's query has joined, not
    by reading the version again and joining its keys against the whole library.

    Only the exercises with a picture or a current video (`plan_media` keeps nothing of the
    others), and that is asked first: the server unpacks the version's items for their keys
    (a second read of the items' TOAST, about 28 buffers) only when some exercise of the
    library has either; in a library with none (the seed's, a clinic before its first upload)
    the subquery reads one index for the videos and the library's few pages, and the row
    carries `[]`, not an empty object for every exercise of the plan."""
    current = current_videos().filter(exercise=OuterRef("pk"))
    with_media = ~Q(illustration="") | Q(pk__in=current_videos().values("exercise_id"))
    return RowsArray(
        Exercise.objects.filter(
            with_media, _AnyOf(F("code"), _ItemKeys(OuterRef("current_version__items")))
        )
        .order_by("code")
        .values(
            row=JSONRow(
                code="code",
                illustration="illustration",
                video=Subquery(
                    current.values(row=JSONRow(public_id="public_id", content_type="content_type"))[
                        :1
                    ]
                ),
            )
        )
    )


class _ItemKeys(Func):
    """The "key" of every item of a version's `items`, as an array (PostgreSQL)."""

    template = "ARRAY(SELECT jsonb_array_elements(%(expressions)s) ->> 'key')"
    output_field = ArrayField(CharField())


class _AnyOf(Func):
    """`value = ANY(array)`: true where the array holds the value (each element is looked up
    in the value's index, where `IN (subquery)` joined the subquery's rows against the
    table)."""

    output_field = BooleanField()

    def as_sql(self, compiler, connection, **extra_context):
        (value, value_params), (array, array_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        return f"{value} = ANY({array})", (*value_params, *array_params)


def has_video() -> Exists:
    """An annotation for exercise querysets: does the exercise have a current video?"""
    return Exists(current_videos().filter(exercise=OuterRef("pk")))
