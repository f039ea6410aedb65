"""The portal app's one staff page: a clinician sends a patient the invitation to the portal.

It lives here because the portal owns invitations; every page a patient opens is in
portal/pages/ (tests/portal/test_layout.py).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from clinic.access import CLINICAL, role_required
from patients.selectors import patient_for_user
from portal import selectors, services
from portal.forms import InviteForm


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
    return render(
        request,
        "portal/invite.html",
        {
            "form": form,
            "patient": patient,
            "invitations": selectors.invitations_recent(patient=patient),
        },
    )
