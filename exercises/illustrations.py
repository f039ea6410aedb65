"""Serving an exercise's illustration: to clinical staff from the library, to a patient whose
current plan includes the exercise from the portal. The file's first bytes decide the content
type (uploads are checked the same way), never its name."""

from __future__ import annotations

from django.http import FileResponse, Http404

from exercises.models import Exercise
from exercises.validators import illustration_content_type


def image_response(field_file) -> FileResponse:
    """A stored PNG, JPEG or WebP picture (an illustration, a video's poster), or 404."""
    if not field_file:
        raise Http404("No picture")
    handle = field_file.open("rb")
    content_type = illustration_content_type(handle.read(16))
    handle.seek(0)
    if content_type is None:
        handle.close()
        raise Http404("No picture")
    response = FileResponse(handle, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def illustration_response(exercise: Exercise) -> FileResponse:
    return image_response(exercise.illustration)
