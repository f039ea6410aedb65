"""Staff pages for staged rehab. Thin: forms validate, services write, selectors read."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from clinic.access import CLINICAL, role_required
from patients.selectors import episode_for_user
from rehab import selectors, services
from rehab.advice import COME_BACK
from rehab.forms import StageChangeForm


@role_required(*CLINICAL)
@require_http_methods(["GET", "POST"])
def stage_change(request: HttpRequest, public_id):
    episode = episode_for_user(user=request.user, public_id=public_id)
    patient = episode.patient
    status = selectors.episode_rehab(episode=episode)
    form = StageChangeForm(request.POST or None, status=status) if status.stage else None
    if request.method == "POST" and form is not None and episode.is_open and form.is_valid():
        try:
            change = services.stage_change_record(
                episode=episode, user=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            moved = change.get_direction_display().lower()
            messages.success(request, f"Episode {episode.number} {moved} to {change.to_label}.")
            return redirect("patients:detail", public_id=patient.public_id)
    return render(
        request,
        "rehab/stage_change.html",
        {"patient": patient, "episode": episode, "status": status, "form": form},
    )


@role_required(*CLINICAL)
@require_GET
def summary(request: HttpRequest, public_id):
    found = selectors.summary_for_user(user=request.user, public_id=public_id)
    return render(
        request,
        "rehab/summary_print.html",
        {"summary": found, "episode": found.episode, "come_back": COME_BACK, "staff": True},
    )


@role_required(*CLINICAL)
@require_GET
def gp_letter(request: HttpRequest, public_id):
    """The letter to the patient's GP: only when the patient agreed to it (else 404)."""
    found = selectors.summary_for_user(user=request.user, public_id=public_id)
    if not found.gp_letter_consent:
        raise Http404("The patient did not agree to a GP letter")
    return render(request, "rehab/gp_letter.html", {"summary": found, "episode": found.episode})
