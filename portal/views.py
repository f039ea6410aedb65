"""The patient portal: today's exercises, the session log, and the invitation that opens it."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from bookings.selectors import clinic_phone
from clinic import panels
from clinic.access import CLINICAL, PATIENTS, role_required
from exercises import safety
from exercises import selectors as exercise_selectors
from exercises import services as exercise_services
from exercises.illustrations import illustration_response
from exercises.models import SessionLog
from patients.selectors import patient_for_user, patient_of_portal_user
from portal import services
from portal.forms import InviteForm, SessionLogForm
from portal.models import Invitation

PAGE_SIZE = 25


@role_required(*PATIENTS)
@require_GET
def home(request: HttpRequest):
    # "Today" is the patient's own. Reads the active plan with its version, today's log and
    # the other apps' portal panels.
    patient = patient_of_portal_user(user=request.user)
    today = exercise_selectors.patient_today(patient)
    return render(
        request,
        "portal/home.html",
        {
            "patient": patient,
            **_home_context(request.user, patient, today),
            "safety_card": safety.card(),
            "clinic_phone": clinic_phone(),
        },
    )


def _home_context(user, patient, today) -> dict:
    plan = exercise_selectors.plan_active_for_patient(patient=patient)
    today_log = (
        SessionLog.objects.filter(plan=plan, patient=patient, date=today).first() if plan else None
    )
    version = plan.current_version if plan else None
    return {
        "plan": plan,
        "version": version,
        "illustrated": exercise_selectors.illustrated_codes(
            codes=[item["key"] for item in version.items] if version else []
        ),
        "today": today,
        "today_log": today_log,
        "on_hold": plan is None and exercise_selectors.plan_on_hold_for_patient(patient=patient),
        "panels": panels.collect("portal_panels", user=user, patient=patient),
    }


@role_required(*PATIENTS)
@require_GET
def exercise_illustration(request: HttpRequest, code: str):
    """The picture of an exercise in the patient's current plan; 404 for any other."""
    patient = patient_of_portal_user(user=request.user)
    plan = exercise_selectors.plan_active_for_patient(patient=patient)
    return illustration_response(exercise_selectors.exercise_in_plan(plan=plan, code=code))


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
    existing = SessionLog.objects.filter(plan=plan, patient=patient, date=day).first()
    initial = {"date": day}
    if existing:
        initial.update(
            pain_during=existing.pain_during,
            pain_after=existing.pain_after,
            difficulty=existing.difficulty,
            comment=existing.comment,
            worse_next_morning={True: "yes", False: "no"}.get(existing.worse_next_morning, ""),
            lasting_pins_needles=existing.lasting_pins_needles,
            new_symptoms=existing.new_symptoms,
        )
        initial.update(
            {f"done_{i}": item["key"] in existing.done for i, item in enumerate(version.items)}
        )
    form = SessionLogForm(request.POST or None, items=version.items, today=today, initial=initial)
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


@role_required(*PATIENTS)
@require_GET
def history(request: HttpRequest):
    # Queries: session and user; the patient; the count; one page of logs.
    patient = patient_of_portal_user(user=request.user)
    logs = exercise_selectors.session_logs_for_patient(patient=patient).order_by("-date")
    page = Paginator(logs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "portal/history.html", {"page": page, "patient": patient})


@role_required(*PATIENTS)
@require_GET
def history_detail(request: HttpRequest, public_id):
    patient = patient_of_portal_user(user=request.user)
    log = exercise_selectors.session_log_for_patient(patient=patient, public_id=public_id)
    items = [{**item, "done": item["key"] in log.done} for item in log.version.items]
    return render(request, "portal/history_detail.html", {"log": log, "items": items})


@role_required(*CLINICAL)
@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest, patient_id):
    patient = patient_for_user(user=request.user, public_id=patient_id)
    initial_email = patient.user.email if patient.user_id else patient.email
    form = InviteForm(request.POST or None, initial={"email": initial_email})
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_create(
                patient=patient, email=form.cleaned_data["email"], invited_by=request.user
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(
                request,
                f"Invitation sent to {invitation.email}. The link works once, for 72 hours.",
            )
            return redirect("portal:invite", patient_id=patient.public_id)
    invitations = Invitation.objects.filter(patient=patient).select_related("created_by")[:5]
    return render(
        request,
        "portal/invite.html",
        {"form": form, "patient": patient, "invitations": invitations},
    )


@never_cache
@require_http_methods(["GET", "POST"])
def welcome(request: HttpRequest, token: str):
    """The invitation link: choose a password once, then land on the portal."""
    invitation = services.invitation_for_token(token=token)
    if (
        invitation is None
        or invitation.is_used
        or invitation.is_expired
        or invitation.patient.archived_at is not None
    ):
        return render(
            request,
            "portal/invitation_invalid.html",
            {"invitation": invitation},
            status=404 if invitation is None else 410,
        )
    form = SetPasswordForm(invitation.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                invitation=invitation, password=form.cleaned_data["new_password1"]
            )
        except ValidationError:
            return render(
                request, "portal/invitation_invalid.html", {"invitation": invitation}, status=410
            )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Your password is set. Welcome to your exercise portal.")
        return redirect("portal:home")
    return render(request, "portal/welcome.html", {"form": form, "invitation": invitation})
