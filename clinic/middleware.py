"""Clinic-wide request handling: HEAD requests, database outages, audit context, staff session
timeout, staff two-factor."""

from __future__ import annotations

import logging
import time
from urllib.parse import urlencode

from django.apps import apps
from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import middleware as otp_middleware
from django_otp.models import Device

from clinic import audit
from clinic.access import STAFF, has_role
from clinic.rows import row_by_pk
from clinic.views import DATABASE_UNAVAILABLE, service_unavailable

logger = logging.getLogger(__name__)


class HeadAsGetMiddleware:
    """Answer HEAD wherever GET is answered, without the body (RFC 9110, section 9.3.2).

    Views declare the methods they serve with `require_GET` or `require_http_methods`; this
    spares each of them from also listing HEAD, which uptime monitors and link checkers send.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method != "HEAD":
            return self.get_response(request)
        request.method = "GET"
        try:
            response = self.get_response(request)
        finally:
            request.method = "HEAD"
        # Headers (Content-Length included) stay those of the GET.
        if response.streaming:
            response.streaming_content = []
        else:
            response.content = b""
        return response


class DatabaseUnavailableMiddleware:
    """A view that cannot reach the database answers 503 with a "try again" page, not 500.

    Failures outside views (the session or user lookup in a middleware) reach the same page
    through the 500 handler, clinic.views.error_500.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DATABASE_UNAVAILABLE):
            return None
        # One line: the outage is the news, the traceback says nothing more.
        logger.error(
            "Database unavailable (%s): %s %s",
            exception.__class__.__name__,
            request.method,
            request.path,
        )
        return service_unavailable()


class AuditMiddleware:
    """Give each request an id, and record which patients' data it handed out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = audit.begin(request)
        try:
            response = self.get_response(request)
            audit.flush_request(response.status_code)
        finally:
            audit.end(token)
        response["X-Request-ID"] = request.request_id
        return response


class StaffSessionTimeoutMiddleware:
    """Staff sessions end after STAFF_SESSION_IDLE_SECONDS without a request.

    The timer restarts with activity, but at most once a minute (REFRESH_SECONDS), so that
    ordinary page views write nothing to the session store. The limit counts from the last
    restart: a session is refused after between STAFF_SESSION_IDLE_SECONDS - REFRESH_SECONDS
    and STAFF_SESSION_IDLE_SECONDS of idleness, never later. It is checked here from the
    session's own record as well as by the store's expiry, so a store that keeps an entry past
    its expiry (a cache restored from a snapshot) cannot stretch it.
    """

    REFRESH_SECONDS = 60
    TOUCHED = "_idle_touch"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        # /healthz is not activity: polling it must neither keep a session alive nor write one.
        if request.path != "/healthz" and user.is_authenticated and has_role(user, STAFF):
            now = int(time.time())
            touched = request.session.get(self.TOUCHED)
            if touched is not None and now - touched >= settings.STAFF_SESSION_IDLE_SECONDS:
                logout(request)
            elif touched is None or now - touched >= self.REFRESH_SECONDS:
                request.session[self.TOUCHED] = now
                request.session.set_expiry(settings.STAFF_SESSION_IDLE_SECONDS)
        return self.get_response(request)


class OTPMiddleware(otp_middleware.OTPMiddleware):
    """django-otp's middleware, reading the session's device with SQL compiled once per
    process (clinic/rows.py): it runs on every staff request. What counts as verified is
    django-otp's, unchanged: the device named in the session must still exist, belong to the
    signed-in user and be confirmed, or the session loses its verification."""

    def _device_from_persistent_id(self, persistent_id: str):
        try:
            label, device_id = self._normalize_persistent_id(persistent_id).rsplit("/", 1)
            model = apps.get_model(label)
        except (ValueError, LookupError):
            return None
        return row_by_pk(model, device_id) if issubclass(model, Device) else None


class StaffTwoFactorMiddleware:
    """When STAFF_2FA_REQUIRED, clinic staff must pass a TOTP check before anything else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.STAFF_2FA_REQUIRED and self._needs_check(request):
            from django_otp import user_has_device

            target = "two_factor_verify" if user_has_device(request.user) else "two_factor_setup"
            # Encoded, so a `next` inside the original query string cannot replace this one.
            return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    @staticmethod
    def _needs_check(request) -> bool:
        user = request.user
        if not user.is_authenticated or not has_role(user, STAFF) or user.is_verified():
            return False
        exempt = ("/accounts/2fa/", "/accounts/logout/", settings.STATIC_URL, "/healthz")
        return not request.path.startswith(exempt)
