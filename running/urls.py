from django.urls import path

from running import views

app_name = "running"

urlpatterns = [
    path("episodes/<uuid:episode_id>/", views.episode_programme, name="episode"),
    path("episodes/<uuid:episode_id>/assign/", views.programme_assign, name="assign"),
    path("programmes/<uuid:public_id>/move/", views.programme_move, name="move"),
    path("programmes/<uuid:public_id>/resume/", views.programme_resume, name="resume"),
    path("runs/<uuid:public_id>/seen/", views.run_seen, name="run_seen"),
]
