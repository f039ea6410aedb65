"""Staff pages, included under /notifications/."""

from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("failed/", views.failed_list, name="failed"),
    path("patient/<uuid:public_id>/", views.patient_log, name="patient_log"),
]
