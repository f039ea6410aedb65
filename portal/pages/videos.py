"""An exercise's demonstration video, its poster and its captions, for a patient whose current
plan includes the exercise; 404 for any other exercise, as for its picture (home.py)."""

from __future__ import annotations

from django.http import HttpRequest
from django.views.decorators.http import require_GET

from clinic.access import PATIENTS, role_required
from exercises import selectors as exercise_selectors
from exercises.videos import selectors as video_selectors
from exercises.videos.responses import video_part_response
from patients.selectors import patient_of_portal_user


@role_required(*PATIENTS)
@require_GET
def exercise_video(request: HttpRequest, code: str, part: str):
    patient = patient_of_portal_user(user=request.user)
    plan = exercise_selectors.plan_active_for_patient(patient=patient)
    exercise = exercise_selectors.exercise_in_plan(plan=plan, code=code)
    video = video_selectors.video_of_exercise(exercise=exercise)
    return video_part_response(request, video=video, part=part)
