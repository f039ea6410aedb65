from django.urls import path

from patients import privacy_views, views

app_name = "patients"

urlpatterns = [
    path("", views.patient_list, name="list"),
    path("new/", views.patient_create, name="create"),
    path("<uuid:public_id>/", views.patient_detail, name="detail"),
    path("<uuid:public_id>/edit/", views.patient_edit, name="edit"),
    path("<uuid:public_id>/archive/", views.patient_archive, name="archive"),
    path("<uuid:public_id>/restore/", views.patient_restore, name="restore"),
    path("<uuid:public_id>/privacy/", privacy_views.privacy_page, name="privacy"),
    path("<uuid:public_id>/privacy/export/", privacy_views.privacy_export, name="privacy-export"),
    path("<uuid:public_id>/episodes/new/", views.episode_create, name="episode_create"),
    path(
        "episodes/<uuid:public_id>/discharge/",
        views.episode_discharge,
        name="episode_discharge",
    ),
]
