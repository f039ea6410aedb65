from django.urls import path

from exercises import views
from exercises.videos import views as video_views

app_name = "exercises"

urlpatterns = [
    path("", views.library, name="library"),
    path("new/", views.exercise_create, name="exercise_create"),
    path("<uuid:public_id>/", views.exercise_detail, name="exercise_detail"),
    path("<uuid:public_id>/edit/", views.exercise_edit, name="exercise_edit"),
    path("<uuid:public_id>/archive/", views.exercise_archive, name="exercise_archive"),
    path(
        "<uuid:public_id>/illustration/",
        views.exercise_illustration,
        name="exercise_illustration",
    ),
    path("<uuid:public_id>/video/", video_views.exercise_video, name="exercise_video"),
    path("videos/<uuid:public_id>/", video_views.video_part, {"part": "video"}, name="video_file"),
    path(
        "videos/<uuid:public_id>/poster/",
        video_views.video_part,
        {"part": "poster"},
        name="video_poster",
    ),
    path(
        "videos/<uuid:public_id>/captions/",
        video_views.video_part,
        {"part": "captions"},
        name="video_captions",
    ),
    path("episodes/<uuid:episode_id>/plans/", views.episode_plans, name="episode_plans"),
    path("episodes/<uuid:episode_id>/plans/new/", views.plan_create, name="plan_create"),
    path("plans/<uuid:public_id>/", views.plan_detail, name="plan_detail"),
    path("plans/<uuid:public_id>/print/", views.plan_print, name="plan_print"),
    path("plans/<uuid:public_id>/items/add/", views.plan_item_add, name="plan_item_add"),
    path("plans/<uuid:public_id>/doses/", views.plan_doses, name="plan_doses"),
    path(
        "plans/<uuid:public_id>/items/<uuid:item_id>/move/",
        views.plan_item_move,
        name="plan_item_move",
    ),
    path(
        "plans/<uuid:public_id>/items/<uuid:item_id>/remove/",
        views.plan_item_remove,
        name="plan_item_remove",
    ),
    path(
        "plans/<uuid:public_id>/items/<uuid:item_id>/progress/",
        views.plan_item_progress,
        name="plan_item_progress",
    ),
    path("plans/<uuid:public_id>/publish/", views.plan_publish, name="plan_publish"),
    path("plans/<uuid:public_id>/status/", views.plan_status, name="plan_status"),
    path("plans/<uuid:public_id>/dates/", views.plan_dates, name="plan_dates"),
    path("plans/<uuid:public_id>/resume/", views.plan_resume, name="plan_resume"),
    path(
        "plans/<uuid:public_id>/alerts/acknowledge/",
        views.alert_acknowledge,
        name="alert_acknowledge",
    ),
    path("patients/<uuid:patient_id>/logs/", views.patient_logs, name="patient_logs"),
    path("comments/", views.comments_inbox, name="comments_inbox"),
    path("comments/<uuid:public_id>/read/", views.comment_mark_read, name="comment_mark_read"),
    path("comments/<uuid:public_id>/reply/", views.comment_reply, name="comment_reply"),
]
