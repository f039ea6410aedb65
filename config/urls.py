"""The root URLconf: every app's pages under its own prefix."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from clinic import two_factor, views
from clinic.auth_urls import FORM
from clinic.forms import EmailAuthenticationForm

handler403 = "clinic.views.error_403"
handler404 = "clinic.views.error_404"
handler500 = "clinic.views.error_500"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            authentication_form=EmailAuthenticationForm,
            redirect_authenticated_user=True,
            http_method_names=FORM,
        ),
        name="login",
    ),
    path("accounts/2fa/setup/", two_factor.setup, name="two_factor_setup"),
    path("accounts/2fa/verify/", two_factor.verify, name="two_factor_verify"),
    path("accounts/", include("clinic.auth_urls")),
    path("", include("clinic.urls")),
    path("patients/", include("patients.urls")),
    path("assessments/", include("assessments.urls")),
    path("exercises/", include("exercises.urls")),
    path("bookings/", include("bookings.urls")),
    path("new-patient/", include("bookings.requests.public_urls")),
    path("portal/", include("portal.urls")),
    path("notifications/", include("notifications.urls")),
    path("treatment/", include("treatment.urls")),
    path("rehab/", include("rehab.urls")),
    path("running/", include("running.urls")),
    path("fhir/", include("interop.urls")),
    path("reports/", include("reports.urls")),
    path("fhir-export/", include("interop.export_urls")),
    path("admin/", admin.site.urls),
]

if settings.BENCH_ENDPOINTS:
    urlpatterns += [
        path("bench/hello", views.hello, name="bench-hello"),
        path("bench/auth", views.auth_baseline, name="bench-auth"),
    ]
