"""The patient's reminder settings, and the unsubscribe link every reminder email carries."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clinic.access import PATIENTS, role_required
from notifications import schedules, selectors
from notifications.consent import sms_consent_from_portal
from notifications.forms import ReminderScheduleForm
from notifications.models import ReminderSchedule
from notifications.sources import get_source
from patients.selectors import patient_of_portal_user


def _settings_page(request: HttpRequest, patient, bound: dict | None = None):
    """The patient's recurring reminders, each with its form (`bound` holds one with errors)."""
    recurring = selectors.schedules_for_patient(patient=patient, recurring_only=True)
    labels = selectors.schedule_labels(recurring)
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
        for schedule in recurring
    ]
    return render(request, "portal/reminders.html", {"patient": patient, "entries": entries})


@role_required(*PATIENTS)
@require_GET
def reminder_settings(request: HttpRequest):
    patient = patient_of_portal_user(user=request.user)
    schedules.reminder_schedules_for_patient_ensure(patient=patient)
    return _settings_page(request, patient)


@require_POST
@role_required(*PATIENTS)
def reminder_update(request: HttpRequest, public_id):
    patient = patient_of_portal_user(user=request.user)
    schedule = selectors.schedule_for_patient(patient=patient, public_id=public_id)
    form = ReminderScheduleForm(request.POST, prefix=str(schedule.public_id), patient=patient)
    if not form.is_valid():
        return _settings_page(request, patient, {schedule.pk: form})
    data = form.cleaned_data
    was_sms = schedule.channel == ReminderSchedule.Channel.SMS
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
    sms_consent_from_portal(
        patient=patient,
        by=request.user,
        chose_sms=data["channel"] == ReminderSchedule.Channel.SMS,
        was_sms=was_sms,
    )
    if data["enabled"]:
        messages.success(request, "Your reminder settings are saved.")
    else:
        messages.success(request, "Reminders are off. You can turn them back on here.")
    return redirect("portal:reminders:settings")


@csrf_exempt  # mail providers POST one-click unsubscribes without a session (RFC 8058)
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str):
    """No login: the signed token is the authority. GET only asks; POST unsubscribes."""
    schedule = selectors.schedule_from_unsubscribe_token(token=token)
    if request.method == "POST":
        schedules.reminders_unsubscribe(schedule=schedule)
        messages.success(request, "You are unsubscribed.")
        return redirect("portal:reminders:unsubscribe", token=token)
    source = get_source(schedule.source)
    return render(
        request,
        "portal/unsubscribe.html",
        {
            "schedule": schedule,
            "label": source.label if source else "Reminders",
            "first_name": schedule.patient.first_name,
        },
    )
