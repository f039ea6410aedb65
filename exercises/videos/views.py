"""Library pages for an exercise's demonstration video (clinical roles only)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from clinic.access import CLINICAL, role_required
from exercises import selectors
from exercises.videos import selectors as video_selectors
from exercises.videos import services
from exercises.videos.forms import VideoUploadForm
from exercises.videos.responses import video_part_response


@role_required(*CLINICAL)
@require_http_methods(["GET", "POST"])
def exercise_video(request: HttpRequest, public_id):
    """Upload or replace the video; the page lists every earlier upload, kept as history."""
    exercise = selectors.exercise_get(public_id=public_id)
    current = video_selectors.video_current(exercise=exercise)
    # Bound on any POST: a post of files alone has an empty request.POST.
    posted = request.method == "POST"
    form = VideoUploadForm(
        request.POST if posted else None, request.FILES if posted else None, replacing=bool(current)
    )
    if posted and form.is_valid():
        services.video_upload(
            exercise=exercise,
            user=request.user,
            video=form.cleaned_data.get("video") or None,
            poster=form.cleaned_data.get("poster") or None,
            captions=form.cleaned_data.get("captions") or None,
        )
        messages.success(
            request,
            "Video replaced: patients see the new one, and the old one is kept below."
            if current
            else "Video added: patients with this exercise in their plan can watch it.",
        )
        return redirect("exercises:exercise_video", public_id=exercise.public_id)
    return render(
        request,
        "exercises/exercise_video.html",
        {
            "exercise": exercise,
            "current": current,
            "history": video_selectors.video_history(exercise=exercise),
            "form": form,
        },
    )


@role_required(*CLINICAL)
@require_GET
def video_part(request: HttpRequest, public_id, part: str):
    """A video's file, poster or captions, current or replaced, for clinical staff."""
    video = video_selectors.video_get(public_id=public_id)
    return video_part_response(request, video=video, part=part)
