"""The patient's own view of their rehab: their stage and what it takes to move on, in plain
words, and their printable discharge summaries. Never a therapist's note or reason."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import render
from django.views.decorators.http import require_GET

from clinic.access import PATIENTS, role_required
from patients.selectors import patient_of_portal_user
from portal.context_processors import red_flag_notice_of
from portal.selectors import recovery_page_reads
from rehab import selectors
from rehab.advice import COME_BACK


@role_required(*PATIENTS)
@require_GET
def overview(request: HttpRequest):
    patient = patient_of_portal_user(user=request.user)
    recovery_page_reads(patient=patient)
    statuses, summaries = selectors.portal_rehab_of_patient(patient=patient)
    return render(
        request,
        "portal/rehab.html",
        {
            "patient": patient,
            "statuses": statuses,
            "summaries": summaries,
            # From the decisions the stages were read with: no statement of its own.
            "red_flag_notice": red_flag_notice_of(patient),
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
