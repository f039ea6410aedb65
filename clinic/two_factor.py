"""Two-factor sign-in for clinic staff: TOTP apps, with single-use recovery codes."""

from __future__ import annotations

import base64
import secrets

import segno
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

RECOVERY_CODES = 10


class TokenForm(forms.Form):
    token = forms.CharField(
        label="Code",
        max_length=16,
        help_text="The 6-digit code from your authenticator app, or one of your recovery codes.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)  # a path: the codes page links to it


def _qr_data_uri(device: TOTPDevice) -> str:
    svg = segno.make(device.config_url, error="m").svg_inline(scale=4)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


@login_required
@require_http_methods(["GET", "POST"])
def setup(request):
    """Pair an authenticator app: scan, type the code it shows, keep the recovery codes."""
    user = request.user
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"].strip()):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            codes = _new_recovery_codes(user)
            return render(
                request,
                "registration/two_factor_codes.html",
                {"codes": codes, "next": _next_url(request)},
            )
        form.add_error("token", "That code didn't match. Check the time on your phone and retry.")
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "registration/two_factor_setup.html",
        {"form": form, "qr": _qr_data_uri(device), "secret": secret, "next": _next_url(request)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def verify(request):
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = match_token(request.user, form.cleaned_data["token"].strip().replace(" ", ""))
        if device is not None:
            otp_login(request, device)
            return redirect(_next_url(request))
        form.add_error("token", "That code didn't match. Try the newest code from your app.")
    return render(
        request, "registration/two_factor_verify.html", {"form": form, "next": _next_url(request)}
    )


def _new_recovery_codes(user) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(user=user, name="Recovery codes")
    device.token_set.all().delete()  # old unused codes stop working when new ones are issued
    codes = [secrets.token_hex(5) for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes
