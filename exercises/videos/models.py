"""Demonstration videos of library exercises (registered through exercises/models.py)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from clinic.models import TimeStampedModel
from exercises.validators import validate_captions, validate_illustration, validate_video


class ExerciseVideo(TimeStampedModel):
    """One uploaded demonstration of an exercise: the video, its poster and its captions.

    Replacing a video adds a row and stamps the old one `replaced_at`; rows and their files are
    never deleted, so what a patient was shown stays on record. At most one row per exercise
    is current (not replaced). A new row may reuse the previous row's poster or captions.
    """

    class Type(models.TextChoices):
        MP4 = "video/mp4", "MP4"
        WEBM = "video/webm", "WebM"

    exercise = models.ForeignKey(
        "exercises.Exercise", on_delete=models.PROTECT, related_name="videos"
    )
    video = models.FileField(
        upload_to="exercises/videos/", max_length=200, validators=[validate_video]
    )
    # Sniffed at upload and kept, so streaming a range needs neither a read of the file's
    # head nor a size request to the storage (a round trip each on S3).
    content_type = models.CharField(max_length=16, choices=Type.choices)
    size = models.PositiveBigIntegerField()
    poster = models.FileField(
        upload_to="exercises/video-posters/", max_length=200, validators=[validate_illustration]
    )
    captions = models.FileField(
        upload_to="exercises/video-captions/", max_length=200, validators=[validate_captions]
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    replaced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["exercise"],
                condition=models.Q(replaced_at__isnull=True),
                name="exercises_exercisevideo_one_current",
            ),
            models.CheckConstraint(
                condition=models.Q(content_type__in=["video/mp4", "video/webm"]),
                name="exercises_exercisevideo_type_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Video of {self.exercise_id} uploaded {self.created_at:%d %b %Y %H:%M}"
