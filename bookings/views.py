from django.shortcuts import render

from clinic.access import STAFF, role_required


@role_required(*STAFF)
def home(request):
    return render(request, "bookings/home.html", {})
