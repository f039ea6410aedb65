"""Serving an exercise's illustration: to clinical staff from the library, to a patient whose
current plan includes the exercise from the portal. The file's first bytes decide the content
type (uploads are checked the same way), never its name."""

from __future__ import annotations

from django.http import FileResponse, Http404

from exercises.models import Exercise
from exercises.validators import illustration_content_type


def illustration_response(exercise: Exercise) -> FileResponse:
    if not exercise.illustration:
        raise Http404("No illustration")
    handle = exercise.illustration.open("rb")
    content_type = illustration_content_type(handle.read(16))
    handle.seek(0)
    if content_type is None:
        handle.close()
        raise Http404("No illustration")
    response = FileResponse(handle, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    return response
