from django.shortcuts import render

from clinic.access import PATIENTS, role_required


@role_required(*PATIENTS)
def home(request):
    return render(request, "portal/home.html", {})
