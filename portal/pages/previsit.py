"""The questionnaire a patient answers before their first visit."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from assessments import selectors, services
from assessments.forms import PreVisitForm
from clinic.access import PATIENTS, role_required
from patients.selectors import open_episodes, patient_of_portal_user


@role_required(*PATIENTS)
@require_http_methods(["GET", "POST"])
def previsit(request: HttpRequest):
    """The answers belong to the patient's newest open episode, or to none before there is one."""
    patient = patient_of_portal_user(user=request.user)
    episode = next(iter(open_episodes(patient=patient)), None)
    existing = selectors.questionnaire_for_episode(patient=patient, episode=episode)
    form = PreVisitForm(request.POST or None, initial=existing.answers if existing else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.questionnaire_save(patient=patient, episode=episode, answers=form.findings())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, "Thank you. Your physiotherapist will go through your answers with you."
            )
            return redirect("portal:home")
    return render(request, "portal/previsit.html", {"form": form, "existing": existing})
