"""Included by portal/urls.py under /portal/appointments/ (names: portal:appointments:...)."""

from django.urls import path

from bookings import portal_views

app_name = "appointments"

urlpatterns = [
    path("", portal_views.appointment_list, name="list"),
    path("<uuid:public_id>/cancel/", portal_views.appointment_cancel, name="cancel"),
]
