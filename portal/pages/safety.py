"""The safety card: which new symptoms need urgent help, and what to do about a logged one."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import render
from django.views.decorators.http import require_GET

from bookings.selectors import clinic_phone
from clinic.access import PATIENTS, role_required
from exercises import safety
from exercises import selectors as exercise_selectors
from patients.selectors import patient_of_portal_user


@role_required(*PATIENTS)
@require_GET
def safety_card(request: HttpRequest):
    """The standing safety card: which new symptoms need urgent help and what to do."""
    return render(
        request,
        "portal/safety.html",
        {"card": safety.card(), "clinic_phone": clinic_phone(), "advice": None},
    )


@role_required(*PATIENTS)
@require_GET
def safety_log(request: HttpRequest, public_id):
    """What to do about the urgent symptoms ticked in one of the patient's own logs (404 for
    anyone else's), above the standing card."""
    patient = patient_of_portal_user(user=request.user)
    log = exercise_selectors.session_log_for_patient(patient=patient, public_id=public_id)
    urgency = safety.urgency_of(log.new_symptoms)
    advice = (
        {
            "urgency": urgency,
            "symptoms": safety.labels_for(log.new_symptoms),
            **safety.ACTIONS[urgency],
        }
        if urgency
        else None
    )
    return render(
        request,
        "portal/safety.html",
        {"card": safety.card(), "clinic_phone": clinic_phone(), "advice": advice, "log": log},
    )
