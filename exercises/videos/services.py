"""Writes of demonstration videos."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from exercises.models import Exercise, ExerciseVideo
from exercises.validators import video_content_type


@transaction.atomic
def video_upload(
    *, exercise: Exercise, user, video=None, poster=None, captions=None
) -> ExerciseVideo:
    """Make a new current video for the exercise from checked uploads (forms.VideoUploadForm).

    The first video needs all three files; a replacement may leave the poster or captions
    out to keep the current ones (to fix a caption, say). The current row is stamped
    `replaced_at` and kept, with its files, as history. Files reach the storage only once
    every check has passed; a failure leaves the exercise's current video as it was.
    """
    Exercise.objects.select_for_update().filter(pk=exercise.pk).first()  # one upload at a time
    current = ExerciseVideo.objects.filter(exercise=exercise, replaced_at__isnull=True).first()
    if current is None and not (video and poster and captions):
        raise ValidationError("A first video needs the video, a poster and captions.")
    if video is None and poster is None and captions is None:
        raise ValidationError("Choose at least one file to replace.")
    new = ExerciseVideo(exercise=exercise, uploaded_by=user)
    if video is not None:
        video.seek(0)
        new.content_type = video_content_type(video.read(64)) or ""
        video.seek(0)
        new.size = video.size
        new.video = video
    else:
        new.video, new.content_type = current.video.name, current.content_type
        new.size = current.size
    new.poster = poster if poster is not None else current.poster.name
    new.captions = captions if captions is not None else current.captions.name
    if current is not None:
        current.replaced_at = timezone.now()
        current.save(update_fields=["replaced_at", "updated_at"])
    new.save()
    return new
