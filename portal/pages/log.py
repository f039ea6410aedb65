"""The session log: the patient records a day's exercises, pain and new symptoms."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from clinic.access import PATIENTS, role_required
from exercises import portal_selectors
from exercises import selectors as exercise_selectors
from exercises import services as exercise_services
from patients.selectors import patient_of_portal_user
from portal.forms import SessionLogForm


def _initial(log, items: list[dict]) -> dict:
    """The form's starting values from a day already logged."""
    return {
        "pain_during": log.pain_during,
        "pain_after": log.pain_after,
        "difficulty": log.difficulty,
        "comment": log.comment,
        "worse_next_morning": {True: "yes", False: "no"}.get(log.worse_next_morning, ""),
        "lasting_pins_needles": log.lasting_pins_needles,
        "new_symptoms": log.new_symptoms,
        **{f"done_{i}": item["key"] in log.done for i, item in enumerate(items)},
    }


@role_required(*PATIENTS)
@require_http_methods(["GET", "POST"])
def session_log(request: HttpRequest):
    """Log a session; the same day again updates that day's log."""
    patient = patient_of_portal_user(user=request.user)
    plan = exercise_selectors.plan_active_for_patient(patient=patient)
    if plan is None:
        messages.info(request, "You have no active exercise plan to log against.")
        return redirect("portal:home")
    today = exercise_selectors.patient_today(patient)
    version = plan.current_version
    try:
        day = dt.date.fromisoformat(request.GET.get("date", "")) if "date" in request.GET else today
    except ValueError:
        day = today
    existing = portal_selectors.session_log_for_day(patient=patient, plan=plan, day=day)
    initial = {"date": day, **(_initial(existing, version.items) if existing else {})}
    due, _ = exercise_selectors.plan_day(plan=plan, day=day)
    form = SessionLogForm(
        request.POST or None,
        items=version.items,
        today=today,
        due={item["key"] for item in due},
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            log, created = exercise_services.session_log_save(
                patient=patient,
                plan=plan,
                date=data["date"],
                done=form.done_keys(),
                pain_during=data["pain_during"],
                pain_after=data["pain_after"],
                difficulty=data["difficulty"],
                comment=data["comment"],
                worse_next_morning=data["worse_next_morning"],
                lasting_pins_needles=data["lasting_pins_needles"],
                new_symptoms=data["new_symptoms"],
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            day_text = "today" if log.date == today else f"{log.date:%A %d %B}"
            messages.success(
                request,
                f"Session for {day_text} saved." if created else f"Log for {day_text} updated.",
            )
            if log.new_symptoms:
                # What to do comes first, on the very next page.
                return redirect("portal:safety_log", public_id=log.public_id)
            return redirect("portal:home")
    return render(
        request,
        "portal/log_form.html",
        {"form": form, "plan": plan, "existing": existing, "day": day, "today": today},
    )
