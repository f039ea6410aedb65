"""The new patient's public pages (no login), under /new-patient/."""

from django.urls import path

from bookings.requests import public_views

app_name = "new_patient"

urlpatterns = [
    path("", public_views.request_form, name="request"),
    path("thanks/", public_views.thanks, name="thanks"),
    path("urgent/<str:speed>/", public_views.urgent, name="urgent"),
]
