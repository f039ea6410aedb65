from django.urls import path

from interop import export_views

app_name = "interop_export"

urlpatterns = [
    path("patients/<uuid:public_id>/", export_views.patient_bundle, name="patient_bundle"),
]
