"""Patient-facing reminder pages, included under /portal/reminders/."""

from django.urls import path

from notifications import views

app_name = "reminders"

urlpatterns = [
    path("", views.portal_settings, name="settings"),
    path("<uuid:public_id>/", views.portal_schedule_update, name="update"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
