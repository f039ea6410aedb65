"""The manager edits the clinic's online-booking rules here (one row, never deleted)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin

from bookings.models import OnlineBookingSettings


@admin.register(OnlineBookingSettings)
class OnlineBookingSettingsAdmin(admin.ModelAdmin):
    fields = ["minimum_notice_hours", "horizon_days", "late_cancellation_window"]
    readonly_fields = ["late_cancellation_window"]

    @admin.display(description="Late-cancellation window")
    def late_cancellation_window(self, obj) -> str:
        hours = settings.BOOKING_CANCEL_NOTICE_HOURS
        return (
            f"{hours} hours (the BOOKING_CANCEL_NOTICE_HOURS setting). Inside it patients "
            "cannot move or cancel online, and a cancellation counts as late."
        )

    def has_add_permission(self, request):
        # The one row is made by the migration (or on first view of the list): never added.
        # No query here: every admin page's sidebar asks.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        OnlineBookingSettings.load()  # the one row always exists to be edited
        return super().changelist_view(request, extra_context)
