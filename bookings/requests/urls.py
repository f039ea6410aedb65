"""Staff pages for booking requests, included under /bookings/requests/ in the bookings
namespace."""

from django.urls import path

from bookings.requests import views

urlpatterns = [
    path("", views.request_list, name="requests"),
    path("urgent/", views.urgent_list, name="urgent_screens"),
    path("urgent/<uuid:public_id>/seen/", views.urgent_seen, name="urgent_seen"),
    path("<uuid:public_id>/", views.request_detail, name="request_detail"),
    path("<uuid:public_id>/approve/", views.request_approve, name="request_approve"),
    path("<uuid:public_id>/decline/", views.request_decline, name="request_decline"),
    path("<uuid:public_id>/withdraw/", views.request_withdraw, name="request_withdraw"),
]
