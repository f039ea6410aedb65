"""Staff pages: one patient's reminders and deliveries, and every failed delivery.

The patient's own reminder pages are in portal/pages/reminders.py."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from clinic.access import STAFF, role_required
from notifications import selectors
from patients.selectors import patient_for_user

PAGE_SIZE = 25


@role_required(*STAFF)
@require_GET
def patient_log(request, public_id):
    patient = patient_for_user(user=request.user, public_id=public_id)
    schedules = selectors.schedules_for_patient(patient=patient)
    labels = selectors.schedule_labels(schedules)
    page = Paginator(selectors.deliveries_for_patient(patient=patient), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    for delivery in page:
        delivery.label = labels.get(delivery.schedule_id, "")
    return render(
        request,
        "notifications/patient_log.html",
        {
            "patient": patient,
            "schedules": [(schedule, labels[schedule.pk]) for schedule in schedules],
            "page": page,
        },
    )


@role_required(*STAFF)
@require_GET
def failed_list(request):
    page = Paginator(selectors.deliveries_failed(), PAGE_SIZE).get_page(request.GET.get("page"))
    labels = selectors.schedule_labels([delivery.schedule for delivery in page])
    for delivery in page:
        delivery.label = labels.get(delivery.schedule_id, "")
    return render(request, "notifications/failed_list.html", {"page": page})
