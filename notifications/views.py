from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clinic.access import PATIENTS, STAFF, role_required
from notifications import schedules, selectors
from notifications.forms import ReminderScheduleForm
from notifications.sources import get_source
from patients.selectors import patient_for_user, patient_of_portal_user

PAGE_SIZE = 25


def _portal_page(request, patient, bound: dict | None = None):
    schedules = selectors.schedules_for_patient(patient=patient, recurring_only=True)
    labels = selectors.schedule_labels(schedules)
    bound = bound or {}
    entries = [
        {
            "schedule": schedule,
            "label": labels[schedule.pk],
            "form": bound.get(schedule.pk)
            or ReminderScheduleForm(
                initial=ReminderScheduleForm.initial_for(schedule),
                prefix=str(schedule.public_id),
                patient=patient,
            ),
        }
        for schedule in schedules
    ]
    return render(
        request,
        "notifications/portal_settings.html",
        {"patient": patient, "entries": entries},
    )


@role_required(*PATIENTS)
@require_GET
def portal_settings(request):
    patient = patient_of_portal_user(user=request.user)
    schedules.reminder_schedules_for_patient_ensure(patient=patient)
    return _portal_page(request, patient)


@require_POST
@role_required(*PATIENTS)
def portal_schedule_update(request, public_id):
    patient = patient_of_portal_user(user=request.user)
    schedule = selectors.schedule_for_patient(patient=patient, public_id=public_id)
    form = ReminderScheduleForm(request.POST, prefix=str(schedule.public_id), patient=patient)
    if not form.is_valid():
        return _portal_page(request, patient, {schedule.pk: form})
    data = form.cleaned_data
    schedules.reminder_schedule_update(
        schedule=schedule,
        enabled=data["enabled"],
        times=form.times,
        weekdays=[int(day) for day in data["weekdays"]],
        channel=data["channel"],
        time_zone=data["time_zone"],
        quiet_start=data["quiet_start"],
        quiet_end=data["quiet_end"],
        paused_until=data["paused_until"],
    )
    if data["enabled"]:
        messages.success(request, "Your reminder settings are saved.")
    else:
        messages.success(request, "Reminders are off. You can turn them back on here.")
    return redirect("portal:reminders:settings")


@csrf_exempt  # mail providers POST one-click unsubscribes without a session (RFC 8058)
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """No login: the signed token is the authority. GET only asks; POST unsubscribes."""
    schedule = selectors.schedule_from_unsubscribe_token(token=token)
    if request.method == "POST":
        schedules.reminders_unsubscribe(schedule=schedule)
        messages.success(request, "You are unsubscribed.")
        return redirect("portal:reminders:unsubscribe", token=token)
    source = get_source(schedule.source)
    return render(
        request,
        "notifications/unsubscribe.html",
        {
            "schedule": schedule,
            "label": source.label if source else "Reminders",
            "first_name": schedule.patient.first_name,
        },
    )


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
