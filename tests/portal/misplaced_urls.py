"""A URLconf that breaks the portal rule, for tests/portal/test_layout.py."""

from django.http import HttpResponse
from django.urls import include, path

from clinic.access import PATIENTS, role_required


@role_required(*PATIENTS)
def patient_page(request):
    return HttpResponse("A patient page outside portal/")


urlpatterns = [
    path("elsewhere/", include(([path("", patient_page, name="patient_page")], "misplaced"))),
]
