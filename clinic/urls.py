"""The foundation's own pages; the project's root URLconf is config/urls.py."""

from django.urls import path

from clinic import audit_views, views

app_name = "clinic"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("audit/", audit_views.audit_search, name="audit"),
    path("accessibility/", views.accessibility, name="accessibility"),
]
