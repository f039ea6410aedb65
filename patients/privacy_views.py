"""The manager's privacy tools: export everything about a patient, or erase their identifiers."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from clinic.access import MANAGER, role_required
from clinic.replica import replica_reads
from patients import privacy
from patients.selectors import patient_for_user


class EraseForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="For example: the patient's written request, with its date.",
    )
    confirm = forms.BooleanField(
        label="I understand that this removes the patient's name and contact details for good.",
    )


@role_required(MANAGER)
@require_http_methods(["GET", "POST"])
def privacy_page(request, public_id):
    patient = patient_for_user(user=request.user, public_id=public_id)
    form = EraseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"]
        privacy.patient_erase(patient=patient, user=request.user, reason=reason)
        messages.success(request, "The patient's personal identifiers have been erased.")
        return redirect("patients:privacy", public_id=patient.public_id)
    return render(request, "patients/privacy.html", {"patient": patient, "form": form})


@role_required(MANAGER)
@require_POST
@replica_reads
def privacy_export(request, public_id):
    patient = patient_for_user(user=request.user, public_id=public_id)
    document = privacy.patient_export(patient=patient, user=request.user)
    response = HttpResponse(document, content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="patient-{patient.public_id}.json"'
    return response
