from django.urls import path

from assessments import views

app_name = "assessments"

urlpatterns = [
    path("episodes/<uuid:episode_id>/new/", views.assessment_create, name="create"),
    path("<uuid:public_id>/", views.assessment_detail, name="detail"),
    path("<uuid:public_id>/edit/", views.assessment_edit, name="edit"),
    path("<uuid:public_id>/amend/", views.assessment_amend, name="amend"),
    path("<uuid:public_id>/decision/", views.decision_create, name="decide"),
    path("<uuid:public_id>/working/", views.working_diagnosis_create, name="working"),
    path("episodes/<uuid:episode_id>/trends/", views.episode_trends, name="trends"),
    path("referrals/", views.referrals_open, name="referrals"),
    path("referrals/<uuid:public_id>/", views.referral_outcome, name="referral"),
]
