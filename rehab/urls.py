from django.urls import path

from rehab import views

app_name = "rehab"

urlpatterns = [
    path("episodes/<uuid:public_id>/stage/", views.stage_change, name="stage_change"),
    path("summaries/<uuid:public_id>/", views.summary, name="summary"),
    path("summaries/<uuid:public_id>/gp-letter/", views.gp_letter, name="gp_letter"),
]
