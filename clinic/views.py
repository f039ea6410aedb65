import datetime as dt
import sys

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from clinic import health, panels
from clinic.access import (
    CLINICAL,
    PortalIsForPatients,
    home_url_name,
    keep_roles,
    role_required,
    unwrapped_user,
)


@require_GET
def home(request: HttpRequest):
    """Send each signed-in user to their role's home page."""
    if not request.user.is_authenticated:
        return redirect("login")
    return redirect(home_url_name(request.user))


#: When the accessibility statement was last checked against the site; update it with the text.
ACCESSIBILITY_REVIEWED = dt.date(2026, 12, 4)


@require_GET
def accessibility(request: HttpRequest):
    """The accessibility statement: public, linked from every page's footer."""
    return render(
        request,
        "clinic/accessibility.html",
        {
            "reviewed": ACCESSIBILITY_REVIEWED,
            "phone": settings.CLINIC_PHONE,
            "email": settings.CLINIC_EMAIL,
            "address": settings.CLINIC_ADDRESS,
        },
    )


@role_required(*CLINICAL)
@require_GET
def dashboard(request: HttpRequest):
    # The user object itself, its roles worked out once: each app's panels ask them and read
    # the user's key and role, through two lazy wrappers a read otherwise (a GET: no role
    # changes within the view).
    user = unwrapped_user(request.user)
    keep_roles(user)
    panels.dashboard_reads_start(user)
    found = panels.collect("dashboard_panels", user=user)
    return render(request, "clinic/dashboard.html", {"panels": found, "user": user})


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """For a load balancer: can this web process serve pages? 503 only when it cannot (the
    database); 200 with `"status": "degraded"` when the cache fails, since pages still work
    (clinic/health.py). The broker is the workers' concern (`manage.py healthcheck worker`)."""
    report = health.web_health()
    return JsonResponse(report, status=503 if report["status"] == "unavailable" else 200)


@require_GET
def hello(request: HttpRequest) -> HttpResponse:
    """Benchmark baseline: the cheapest anonymous response through the whole middleware stack."""
    return HttpResponse("hello", content_type="text/plain")


@login_required
@require_GET
def auth_baseline(request: HttpRequest):
    """Benchmark baseline: what every signed-in page costs before it reads any domain data
    (session, user, two-factor check, the base layout)."""
    return render(request, "clinic/bench_auth.html")


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


def error_403(request, exception=None):
    if isinstance(exception, PortalIsForPatients):
        return render(
            request,
            "clinic/portal_is_for_patients.html",
            {"home": home_url_name(request.user)},
            status=403,
        )
    return render(request, "403.html", status=403)


#: What the driver raises when the database does not answer (stopped, restarting, unreachable).
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
#: How long a visitor is asked to wait when the database is not answering.
RETRY_AFTER_SECONDS = 30


def service_unavailable() -> HttpResponse:
    """The plain "try again shortly" page for a database outage.

    Rendered without the request, so no context processor looks up the session or the user
    (both live in the database that is not answering).
    """
    response = HttpResponse(
        render_to_string("503.html", {"retry_after": RETRY_AFTER_SECONDS}), status=503
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response


def error_500(request):
    # Reached when anything outside a view fails, such as the session or user lookup in a
    # middleware (views' own database errors are answered by DatabaseUnavailableMiddleware).
    if isinstance(sys.exc_info()[1], DATABASE_UNAVAILABLE):
        return service_unavailable()
    # No request either: the error may have come from the session or the user lookup.
    return HttpResponse(render_to_string("500.html"), status=500)
