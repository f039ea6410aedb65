from django.urls import include, path

from bookings import calendar_views, schedule_views, views
from bookings.feeds import views as feed_views
from bookings.waitlist import views as waitlist_views

app_name = "bookings"

urlpatterns = [
    path("", calendar_views.home, name="home"),
    path("week/", calendar_views.week, name="week"),
    path("find/", views.find_slot, name="find_slot"),
    path("new/", views.appointment_create, name="create"),
    path("new/patient/", views.patient_register, name="patient_create"),
    path("schedule/", schedule_views.schedule_view, name="schedule"),
    path("schedule/<uuid:therapist_id>/hours/", schedule_views.hours_add, name="hours_add"),
    path(
        "schedule/hours/<uuid:public_id>/remove/",
        schedule_views.hours_remove,
        name="hours_remove",
    ),
    path(
        "schedule/<uuid:therapist_id>/exceptions/",
        schedule_views.exception_add,
        name="exception_add",
    ),
    path(
        "schedule/exceptions/<uuid:public_id>/remove/",
        schedule_views.exception_remove,
        name="exception_remove",
    ),
    path("feed/", feed_views.feed_settings, name="feed_settings"),
    path("feed/new/", feed_views.feed_create, name="feed_create"),
    path("feed/revoke/", feed_views.feed_revoke, name="feed_revoke"),
    path("feed/<slug:token>.ics", feed_views.feed, name="feed"),
    path("waitlist/", waitlist_views.waitlist, name="waitlist"),
    path("waitlist/add/<uuid:patient_id>/", waitlist_views.entry_add, name="waitlist_add"),
    path("waitlist/<uuid:public_id>/edit/", waitlist_views.entry_edit, name="waitlist_edit"),
    path("waitlist/<uuid:public_id>/remove/", waitlist_views.entry_remove, name="waitlist_remove"),
    path("requests/", include("bookings.requests.urls")),
    path("<uuid:public_id>/", views.appointment_detail, name="detail"),
    path("<uuid:public_id>/move/", views.appointment_move, name="move"),
    path("<uuid:public_id>/cancel/", views.appointment_cancel, name="cancel"),
    path("<uuid:public_id>/status/", views.appointment_status, name="status"),
    path("<uuid:public_id>/status/undo/", views.appointment_status_undo, name="status_undo"),
    path("<uuid:public_id>/confirm/", views.appointment_confirm_by_phone, name="confirm"),
    path("<uuid:public_id>/confirm/undo/", views.appointment_confirm_undo, name="confirm_undo"),
]
