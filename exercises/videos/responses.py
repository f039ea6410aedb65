"""Serving a video's three files once the caller's selector has allowed it: the video with
byte ranges (phones seek by asking for ranges), the poster as a checked picture, and the
captions as text/vtt."""

from __future__ import annotations

from django.http import FileResponse, HttpRequest, HttpResponse

from clinic.byte_ranges import ranged_file_response
from exercises.illustrations import image_response
from exercises.models import ExerciseVideo

PARTS = ("video", "poster", "captions")


def video_part_response(request: HttpRequest, *, video: ExerciseVideo, part: str) -> HttpResponse:
    if part == "poster":
        return image_response(video.poster)
    if part == "captions":
        response = FileResponse(video.captions.open("rb"), content_type="text/vtt; charset=utf-8")
        response["X-Content-Type-Options"] = "nosniff"
        return response
    return ranged_file_response(
        request, file=video.video, size=video.size, content_type=video.content_type
    )
