from django.urls import path

from treatment import views

app_name = "treatment"

urlpatterns = [
    path("appointments/<uuid:appointment_id>/", views.session_open, name="open"),
    path("sessions/<uuid:public_id>/", views.session_page, name="session"),
    path("sessions/<uuid:public_id>/amend/", views.session_amend, name="amend"),
]
