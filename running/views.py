"""The therapist's return-to-run pages: an episode's programmes, assigning one, moving a step
by hand, resuming one held for a red flag, and marking a worrying run as seen. Thin: forms
validate, services write."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from assessments.selectors import episode_confirmed_decision
from clinic.access import CLINICAL, role_required
from patients.selectors import episode_for_user
from running import selectors, services
from running.forms import AssignForm, MoveStepForm, ResumeForm


def _page(request, episode, *, assign_form=None, move_form=None, resume_form=None, status=200):
    # Queries: the programmes with their runs, decisions and the decisions' runs (four), the
    # confirmed diagnosis.
    programmes = selectors.programmes_of_episode(episode=episode)
    decision = episode_confirmed_decision(episode=episode)
    diagnosis = decision.final_dx if decision else None
    active = next((p for p in programmes if p.status == "active"), None)
    if move_form is None and active is not None:
        move_form = MoveStepForm(programme=active, initial={"step": active.current_step})
    return render(
        request,
        "running/episode_programme.html",
        {
            "episode": episode,
            "patient": episode.patient,
            "programmes": programmes,
            "active": active,
            "decision": decision,
            "assign_form": assign_form or AssignForm(diagnosis=diagnosis),
            "move_form": move_form,
            "resume_form": resume_form or ResumeForm(),
        },
        status=status,
    )


@role_required(*CLINICAL)
@require_GET
def episode_programme(request: HttpRequest, episode_id):
    episode = episode_for_user(user=request.user, public_id=episode_id)
    return _page(request, episode)


@role_required(*CLINICAL)
@require_POST
def programme_assign(request: HttpRequest, episode_id):
    episode = episode_for_user(user=request.user, public_id=episode_id)
    decision = episode_confirmed_decision(episode=episode)
    form = AssignForm(request.POST, diagnosis=decision.final_dx if decision else None)
    if form.is_valid():
        try:
            programme = services.programme_assign(
                episode=episode, template_key=form.cleaned_data["template"], user=request.user
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{programme.name} assigned; it starts at step 1.")
            return redirect("running:episode", episode_id=episode.public_id)
    return _page(request, episode, assign_form=form, status=400)


@role_required(*CLINICAL)
@require_POST
def programme_move(request: HttpRequest, public_id):
    programme = selectors.programme_for_staff(public_id=public_id)
    episode = episode_for_user(user=request.user, public_id=programme.episode.public_id)
    form = MoveStepForm(request.POST, programme=programme)
    if form.is_valid():
        try:
            services.programme_move_step(
                programme=programme,
                step=form.cleaned_data["step"],
                reason=form.cleaned_data["reason"],
                user=request.user,
            )
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, "Step moved; the reason is on the record.")
            return redirect("running:episode", episode_id=episode.public_id)
    return _page(request, episode, move_form=form, status=400)


@role_required(*CLINICAL)
@require_POST
def programme_resume(request: HttpRequest, public_id):
    """Lift a red-flag hold: only with the clinician's reason."""
    programme = selectors.programme_for_staff(public_id=public_id)
    episode = episode_for_user(user=request.user, public_id=programme.episode.public_id)
    form = ResumeForm(request.POST)
    if form.is_valid():
        try:
            services.programme_resume_after_hold(
                programme=programme, user=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            form.add_error("reason", error.message_dict["reason"])
        else:
            messages.success(request, "Running can start again; the reason is on the record.")
            return redirect("running:episode", episode_id=episode.public_id)
    return _page(request, episode, resume_form=form, status=400)


@role_required(*CLINICAL)
@require_POST
def run_seen(request: HttpRequest, public_id):
    run = selectors.run_for_staff(public_id=public_id)
    services.run_mark_seen(run=run, user=request.user)
    messages.success(request, f"{run.patient.full_name}'s run of {run.date:%d %b} marked as seen.")
    return redirect("clinic:dashboard")
