"""Two-factor sign-in for clinic staff: TOTP apps, with single-use recovery codes.

Changing what protects an account (pairing an app, issuing recovery codes) needs a session
that has passed the second step whenever the account already has one: otherwise a stolen
password alone would let the thief pair their own phone. Every change is written to the audit
trail and emailed to the account's owner, so an unexpected one is noticed.

Wrong codes are throttled by django-otp on each device (1, 2, 4, 8… seconds between tries,
OTP_*_THROTTLE_FACTOR in settings); the pages say how long to wait.
"""

from __future__ import annotations

import base64
import logging
import math
import secrets
import smtplib

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.mail import send_mail
from django.db import transaction
from django.shortcuts import redirect, render, resolve_url
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods
from django_otp import devices_for_user, match_token, user_has_device
from django_otp import login as otp_login
from django_otp.models import VerifyNotAllowed
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from clinic import audit
from clinic.mail import transactional_connection

logger = logging.getLogger(__name__)

RECOVERY_CODES = 10


class TokenForm(forms.Form):
    token = forms.CharField(
        label="Code",
        max_length=16,
        help_text="The 6-digit code from your authenticator app, or one of your recovery codes.",
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean_token(self) -> str:
        """The code as typed, pasted or autofilled: apps show "123 456", and a copy may carry
        a non-breaking space or a dash; none of those is part of the code."""
        return "".join(self.cleaned_data["token"].split()).replace("-", "")


class SetupForm(TokenForm):
    new_recovery_codes = forms.BooleanField(
        label="Also give me new recovery codes (the unused old ones stop working)",
        required=False,
    )

    def __init__(self, *args, adding: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["token"].help_text = "The 6-digit code your authenticator app shows."
        if not adding:  # a first app always comes with recovery codes
            del self.fields["new_recovery_codes"]


# --- Writes ---------------------------------------------------------------------------------


def two_factor_app_confirm(*, device: TOTPDevice, issue_recovery_codes: bool) -> list[str]:
    """Mark a freshly paired app as confirmed; returns new recovery codes if asked for (else [])."""
    user = device.user
    with transaction.atomic():
        apps_before = TOTPDevice.objects.filter(user=user, confirmed=True).count()
        device.confirmed = True
        device.name = "Authenticator app" + (f" {apps_before + 1}" if apps_before else "")
        device.save(update_fields=["confirmed", "name"])
        audit.record(
            "create",
            obj=device,
            user=user,
            detail={"event": "two_factor_app_added", "apps_before": apps_before},
        )
        codes = recovery_codes_issue(user=user, notify=False) if issue_recovery_codes else []
    _notify(
        user,
        "An authenticator app was added to your account"
        + (" and new recovery codes were issued" if codes else ""),
    )
    return codes


def recovery_codes_issue(*, user, notify: bool = True) -> list[str]:
    """Replace the user's recovery codes with RECOVERY_CODES new ones and return them: the old
    unused codes stop working at once. Audited; emailed to the user unless `notify` is off
    (the caller sends one message for several changes)."""
    with transaction.atomic():
        device, created = StaticDevice.objects.get_or_create(user=user, name="Recovery codes")
        unused_before = device.token_set.count()
        device.token_set.all().delete()
        codes = [secrets.token_hex(5) for _ in range(RECOVERY_CODES)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
        audit.record(
            "create" if created else "update",
            obj=device,
            user=user,
            detail={"event": "recovery_codes_issued", "unused_codes_replaced": unused_before},
        )
    if notify:
        _notify(user, "New recovery codes were issued for your account")
    return codes


def _notify(user, what: str) -> None:
    """Email the owner about a change to their sign-in, after the change is committed."""
    context = audit.current()
    body = render_to_string(
        "registration/two_factor_changed_email.txt",
        {
            "what": what,
            "at": timezone.localtime(),
            "address": context.ip_address if context else None,
            "password_change_url": settings.SITE_URL + reverse("password_change"),
        },
    )

    def send() -> None:
        try:
            send_mail(
                "Your Apex Clinic sign-in was changed",
                body,
                None,
                [user.email],
                connection=transactional_connection(),
            )
        except (smtplib.SMTPException, OSError):
            # The change stands and is in the audit trail; a mail outage must not undo it.
            logger.exception("Could not email user %s about a two-factor change", user.pk)

    transaction.on_commit(send)


# --- Views ----------------------------------------------------------------------------------


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)  # a path: the codes page links to it


def _qr_data_uri(device: TOTPDevice) -> str:
    # svg_data_uri keeps the SVG namespace, without which browsers draw nothing.
    return segno.make(device.config_url, error="m").svg_data_uri(scale=4)


def throttle_message(devices) -> str:
    """Why no code can be checked on `devices` right now (each one is throttled after wrong
    codes), or "" when at least one of them would check a code."""
    locks = []
    for device in devices:
        allowed, info = device.verify_is_allowed()
        if allowed or not info or info.get("reason") != VerifyNotAllowed.N_FAILED_ATTEMPTS:
            return ""
        locks.append(info)
    if not locks:
        return ""
    locked_until = min(info["locked_until"] for info in locks)
    seconds = max(1, math.ceil((locked_until - timezone.now()).total_seconds()))
    if seconds < 120:
        wait = "1 second" if seconds == 1 else f"{seconds} seconds"
    else:
        wait = f"{math.ceil(seconds / 60)} minutes"
    return (
        f"After wrong codes the next try has to wait: wait {wait}, "
        "then type the newest code from your app."
    )


@login_required
@require_http_methods(["GET", "POST"])
def setup(request):
    """Pair an authenticator app: scan, type the code it shows, keep the recovery codes."""
    user = request.user
    adding = user_has_device(user)
    if adding and not user.is_verified():
        verify_url = f"{reverse('two_factor_verify')}?next={reverse('two_factor_setup')}"
        return render(
            request, "registration/two_factor_refused.html", {"verify_url": verify_url}, status=403
        )
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="New authenticator app", confirmed=False)
    form = SetupForm(request.POST or None, adding=adding)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
            throttled = throttle_message([device])
            token = form.cleaned_data["token"]
            matched = not throttled and device.verify_token(token)
        if matched:
            codes = two_factor_app_confirm(
                device=device,
                issue_recovery_codes=not adding or form.cleaned_data["new_recovery_codes"],
            )
            otp_login(request, device)
            if codes:
                return render(
                    request,
                    "registration/two_factor_codes.html",
                    {"codes": codes, "next": _next_url(request)},
                )
            messages.success(request, "Your new authenticator app is ready to use.")
            return redirect(_next_url(request))
        form.add_error(
            "token", throttled or "That code didn't match. Check the time on your phone and retry."
        )
    return render(
        request,
        "registration/two_factor_setup.html",
        {
            "form": form,
            "adding": adding,
            "qr": _qr_data_uri(device),
            "secret": base64.b32encode(device.bin_key).decode(),
            "next": _next_url(request),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def verify(request):
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        throttled = throttle_message(devices_for_user(request.user))
        token = form.cleaned_data["token"]
        device = None if throttled else match_token(request.user, token)
        if device is not None:
            otp_login(request, device)
            return redirect(_next_url(request))
        form.add_error(
            "token", throttled or "That code didn't match. Try the newest code from your app."
        )
    return render(
        request, "registration/two_factor_verify.html", {"form": form, "next": _next_url(request)}
    )
