"""The patient's own session logs, newest first, and one log in full."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest
from django.shortcuts import render
from django.views.decorators.http import require_GET

from clinic.access import PATIENTS, role_required
from exercises import selectors as exercise_selectors
from patients.selectors import patient_of_portal_user

PAGE_SIZE = 25


@role_required(*PATIENTS)
@require_GET
def history(request: HttpRequest):
    # Queries: session and user; the patient; the count; one page of logs.
    patient = patient_of_portal_user(user=request.user)
    logs = exercise_selectors.session_log_history(patient=patient)
    page = Paginator(logs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/history.html", {"page": page, "patient": patient})


@role_required(*PATIENTS)
@require_GET
def history_detail(request: HttpRequest, public_id):
    patient = patient_of_portal_user(user=request.user)
    log = exercise_selectors.session_log_for_patient(patient=patient, public_id=public_id)
    items = [{**item, "done": item["key"] in log.done} for item in log.version.items]
    return render(request, "portal/history_detail.html", {"log": log, "items": items})
