from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("sites/", views.site_report, name="sites"),
    path("sites.csv", views.site_report_csv, name="sites_csv"),
]
