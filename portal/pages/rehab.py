"""The patient's own view of their rehab: their stage and what it takes to move on, in plain
words, and their printable discharge summaries. Never a therapist's note or reason."""

from __future__ import annotations

from django.db.models import prefetch_related_objects
from django.http import HttpRequest
from django.shortcuts import render
from django.views.decorators.http import require_GET

from assessments.selectors import patient_confirmed_decisions
from clinic.access import PATIENTS, role_required
from patients.selectors import open_episodes, patient_of_portal_user
from portal.context_processors import red_flag_notice_of
from rehab import selectors
from rehab.advice import COME_BACK


@role_required(*PATIENTS)
@require_GET
def overview(request: HttpRequest):
    patient = patient_of_portal_user(user=request.user)
    # The decisions in force, read once: each episode's stage and the red-flag notice.
    notice = red_flag_notice_of(patient)
    patient_confirmed_decisions(patient=patient)
    # Every episode read once: the open ones' stages, and whether any summary can exist.
    prefetch_related_objects([patient], "episodes")
    return render(
        request,
        "portal/rehab.html",
        {
            "patient": patient,
            "statuses": selectors.episodes_rehab(episodes=open_episodes(patient=patient)),
            "summaries": selectors.summaries_of_patient(
                patient=patient, episodes=patient.episodes.all()
            ),
            "red_flag_notice": notice,
        },
    )


@role_required(*PATIENTS)
@require_GET
def discharge_summary(request: HttpRequest, public_id):
    summary = selectors.summary_for_portal_user(user=request.user, public_id=public_id)
    return render(
        request,
        "rehab/summary_print.html",
        {"summary": summary, "episode": summary.episode, "come_back": COME_BACK, "staff": False},
    )
