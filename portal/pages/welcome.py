"""The invitation link: the patient chooses a password once, then lands on the portal."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from portal import services


@never_cache
@require_http_methods(["GET", "POST"])
def welcome(request: HttpRequest, token: str):
    """No login: the single-use token is the authority."""
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
        login(request, user, backend="clinic.auth_backends.ModelBackend")
        messages.success(request, "Your password is set. Welcome to your exercise portal.")
        return redirect("portal:home")
    return render(request, "portal/welcome.html", {"form": form, "invitation": invitation})
