"""The manager's view of calendar feeds: who has a live link, and a button to revoke any.
Links are made by each therapist on their own page (the secret is shown to them alone), so
nothing is added or edited here, and the stored hash is never shown."""

from __future__ import annotations

from django.contrib import admin, messages

from bookings.feeds import services
from bookings.feeds.models import CalendarFeed


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = ["therapist", "created_at", "revoked_at", "revoked_by"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["therapist", "revoked_by"]
    fields = ["therapist", "created_at", "revoked_at", "revoked_by"]
    readonly_fields = fields
    actions = ["revoke_feeds"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # revoke instead: the record of who had a link stays

    @admin.action(description="Revoke the selected calendar feeds", permissions=["view"])
    def revoke_feeds(self, request, queryset):
        done = sum(
            services.calendar_feed_revoke(feed=feed, by=request.user)
            for feed in queryset.select_related("therapist")
        )
        self.message_user(request, f"{done} calendar feed(s) revoked.", messages.SUCCESS)
