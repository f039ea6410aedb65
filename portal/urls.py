from django.urls import include, path

from portal import views
from portal.pages import running

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("log/", views.session_log, name="log"),
    path("exercises/<str:code>/picture/", views.exercise_illustration, name="illustration"),
    path("safety/", views.safety_card, name="safety"),
    path("safety/<uuid:public_id>/", views.safety_log, name="safety_log"),
    path("history/", views.history, name="history"),
    path("history/<uuid:public_id>/", views.history_detail, name="history_detail"),
    path("invite/<uuid:patient_id>/", views.invite, name="invite"),
    path("welcome/<str:token>/", views.welcome, name="welcome"),
    path("appointments/", include("bookings.portal_urls")),
    path("reminders/", include("notifications.portal_urls")),
    path("running/", running.programme, name="running"),
    path("running/log/", running.run_log, name="running_log"),
    path("running/runs/<uuid:public_id>/morning/", running.run_morning, name="running_morning"),
]
