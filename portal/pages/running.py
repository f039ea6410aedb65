"""The patient's return-to-run pages: the programme with its current step and the latest
decision, logging a run, and the next-morning answer. Thin: selectors and services in running/."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from clinic.access import PATIENTS, role_required
from exercises.selectors import patient_today
from patients.selectors import patient_of_portal_user
from portal.context_processors import red_flag_notice_from, red_flag_notice_of
from portal.selectors import open_red_flags_read, running_page_reads
from running import selectors, services
from running.forms import NextMorningForm, RunLogForm


@role_required(*PATIENTS)
@require_GET
def programme(request: HttpRequest):
    # Queries: session, user, patient (and its audit insert), then one statement for the
    # programme with its latest decision, the runs waiting for a morning answer, the recent
    # runs and the open red-flag referrals the notice stands on.
    patient = patient_of_portal_user(user=request.user)
    today = patient_today(patient)
    running_page_reads(patient=patient, day=today)
    referrals = open_red_flags_read(patient=patient)
    notice = red_flag_notice_of(patient) if referrals is None else red_flag_notice_from(referrals)
    current = selectors.programme_current_for_page(patient=patient, today=today)
    context = {"programme": current, "today": today, "red_flag_notice": notice}
    if current is not None:
        context.update(
            awaiting=current.awaiting,
            decision=current.decision,
            runs=selectors.runs_recent_of_programme(patient=patient, programme=current),
        )
    return render(request, "portal/running.html", context)


@role_required(*PATIENTS)
@require_http_methods(["GET", "POST"])
def run_log(request: HttpRequest):
    """Log a run at the current step; the page that follows says what the rule decided."""
    patient = patient_of_portal_user(user=request.user)
    current = selectors.programme_current_for_patient(patient=patient)
    if current is None or current.status != "active":
        messages.info(request, "You have no running programme to log against.")
        return redirect("portal:running")
    today = patient_today(patient)
    form = RunLogForm(request.POST or None, initial={"date": today})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            run, created = services.run_log_save(
                programme=current,
                patient=patient,
                submission=data["submission"],
                date=data["date"],
                minutes=data["minutes"],
                distance_km=data["distance_km"],
                terrain=data["terrain"],
                effort=data["effort"],
                rpe=data["rpe"],
                pain_before=data["pain_before"],
                pain_during=data["pain_during"],
                pain_after=data["pain_after"],
                comment=data["comment"],
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            if created:
                messages.success(request, f"Run of {run.date:%A %d %B} saved.")
            return redirect("portal:running")
    # A programme held for a red-flag referral shows why instead of the form (and the service
    # refuses a run sent anyway).
    context = {"form": form, "programme": current, "today": today, "hold": services.RED_FLAG_HOLD}
    return render(request, "portal/running_log.html", context)


@role_required(*PATIENTS)
@require_http_methods(["GET", "POST"])
def run_morning(request: HttpRequest, public_id):
    """ "How was this morning?": the pain on the morning after one of the patient's own runs."""
    patient = patient_of_portal_user(user=request.user)
    run = selectors.run_for_patient(patient=patient, public_id=public_id)
    form = NextMorningForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.run_next_morning_save(run=run, pain=form.cleaned_data["pain_next_morning"])
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, "Thank you: your morning answer is saved.")
            return redirect("portal:running")
    return render(request, "portal/running_morning.html", {"form": form, "run": run})
