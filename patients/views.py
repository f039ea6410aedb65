"""Staff pages for patients and episodes. Thin: forms validate, services write, selectors read."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clinic import panels
from clinic.access import CLINICAL, STAFF, has_role, keep_roles, role_required, unwrapped_user
from clinic.filters import hold_text
from clinic.links import hold_urls
from patients import page_rows, selectors, services
from patients.forms import EpisodeDischargeForm, EpisodeForm, PatientForm, PatientSearchForm

PAGE_SIZE = 25


@role_required(*STAFF)
@require_GET
def patient_list(request: HttpRequest):
    return render(request, "patients/patient_list.html", _patient_list_context(request))


def _patient_list_context(request: HttpRequest) -> dict:
    form = PatientSearchForm.read(request.GET)
    if form is not None:
        query, include_archived = form.query, form.include_archived
    else:
        form, query, include_archived = PatientSearchForm(request.GET or None), "", False
        if form.is_valid():
            query = form.cleaned_data["q"]
            include_archived = form.cleaned_data["archived"]
    page = selectors.patients_search_page(
        user=request.user,
        query=query,
        include_archived=include_archived,
        number=request.GET.get("page"),
        size=PAGE_SIZE,
    )
    params = request.GET
    if "page" in params:  # the pager's links keep every other parameter
        params = params.copy()
        params.pop("page")
    return {"form": form, "page": page, "query": query, "querystring": params.urlencode()}


@role_required(*STAFF)
@require_http_methods(["GET", "POST"])
def patient_create(request: HttpRequest):
    form = PatientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            patient = services.patient_create(created_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{patient.full_name} is registered.")
            return redirect("patients:detail", public_id=patient.public_id)
    return render(request, "patients/patient_form.html", {"form": form, "patient": None})


@role_required(*STAFF)
@require_http_methods(["GET", "POST"])
def patient_edit(request: HttpRequest, public_id):
    patient = selectors.patient_for_user(user=request.user, public_id=public_id)
    form = PatientForm(request.POST or None, instance=patient)
    if request.method == "POST" and form.is_valid():
        try:
            services.patient_update(patient=patient, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "The patient's details are saved.")
            return redirect("patients:detail", public_id=patient.public_id)
    return render(request, "patients/patient_form.html", {"form": form, "patient": patient})


@role_required(*STAFF)
@require_GET
def patient_detail(request: HttpRequest, public_id):
    user = unwrapped_user(request.user)
    keep_roles(user)  # the page's apps ask some thirty times
    patient = selectors.patient_for_user(user=user, public_id=public_id)
    return render(
        request,
        "patients/patient_detail.html",
        {
            "patient": patient,
            "page": _patient_page(user, patient),
            "clinical": has_role(user, CLINICAL),
        },
    )


def _patient_page(user, patient) -> dict:
    """The episodes with their timeline entries and every app's panels (with the episodes
    loaded once for all of them)."""
    # The time zone and language read once for the page's dates (`FilterText()` reads both
    # from asgiref `Local`s, some 45k instructions), and the script prefix once for its links
    # (15k a read): hung on this view's patient, which every app's panels and timeline entries
    # are given (`clinic.filters.held_text`, `clinic.links.held_urls`); the header, the running
    # facts, the episodes' summary and cards and the other activity draw with `page.text`.
    text = hold_text(patient)
    hold_urls(patient)
    # Every app's read for the page in one statement (patients/page_rows.py).
    page_rows.read(
        patient=patient, reads=panels.collect("patient_page_reads", user=user, patient=patient)
    )
    selectors.episodes_load(patient=patient)
    selectors.page_reads_begin(patient=patient)
    episodes = list(patient.episodes.all())
    entries = panels.timeline(user=user, patient=patient)
    by_episode: dict[int | None, list] = {}
    for entry in entries:
        by_episode.setdefault(entry.episode_id, []).append(entry)
    return {
        "episode_rows": [(episode, by_episode.get(episode.id, [])) for episode in episodes],
        "other_entries": by_episode.get(None, []),
        "panels": panels.collect("patient_panels", user=user, patient=patient),
        "text": text,
    }


@role_required(*STAFF)
@require_POST
def patient_archive(request: HttpRequest, public_id):
    patient = selectors.patient_for_user(user=request.user, public_id=public_id)
    services.patient_archive(patient=patient)
    messages.success(request, f"{patient.full_name} is archived. The record is kept.")
    return redirect("patients:detail", public_id=patient.public_id)


@role_required(*STAFF)
@require_POST
def patient_restore(request: HttpRequest, public_id):
    patient = selectors.patient_for_user(user=request.user, public_id=public_id)
    services.patient_restore(patient=patient)
    messages.success(request, f"{patient.full_name} is back in the patient list.")
    return redirect("patients:detail", public_id=patient.public_id)


@role_required(*CLINICAL)
@require_http_methods(["GET", "POST"])
def episode_create(request: HttpRequest, public_id):
    patient = selectors.patient_for_user(user=request.user, public_id=public_id)
    form = EpisodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        episode = services.episode_open(patient=patient, **form.cleaned_data)
        messages.success(request, f"Episode {episode.number} is open.")
        return redirect("patients:detail", public_id=patient.public_id)
    return render(request, "patients/episode_form.html", {"form": form, "patient": patient})


@role_required(*CLINICAL)
@require_http_methods(["GET", "POST"])
def episode_discharge(request: HttpRequest, public_id):
    episode = selectors.episode_for_user(user=request.user, public_id=public_id)
    patient = episode.patient
    if not episode.is_open:
        messages.info(request, f"Episode {episode.number} is already discharged.")
        return redirect("patients:detail", public_id=patient.public_id)
    form = EpisodeDischargeForm(request.POST or None, episode=episode)
    # Other apps' parts of the page (panels.py `discharge_extensions`): each has a `template`,
    # a `context`, a `form`, and `record(episode=, user=)`, which runs in the same transaction.
    extensions = panels.collect(
        "discharge_extensions", user=request.user, episode=episode, data=request.POST or None
    )
    valid = [extension.form.is_valid() for extension in extensions]
    if request.method == "POST" and form.is_valid() and all(valid):
        with transaction.atomic():
            services.episode_discharge(episode=episode, **form.cleaned_data)
            for extension in extensions:
                extension.record(episode=episode, user=request.user)
        messages.success(request, f"Episode {episode.number} is discharged.")
        return redirect("patients:detail", public_id=patient.public_id)
    return render(
        request,
        "patients/episode_discharge.html",
        {"form": form, "patient": patient, "episode": episode, "extensions": extensions},
    )
