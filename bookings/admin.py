"""Admin for bookings. Appointments are created and moved on the reception pages, which run
the overlap and working-hours checks; here they can be filtered, exported, cancelled or
marked no-show (through the same services), and their notes edited."""

from __future__ import annotations

from django.contrib import admin, messages
from django.http import HttpResponse
from django.utils import timezone
from simple_history.admin import SimpleHistoryAdmin

from bookings import selectors, services
from bookings.feeds import admin as feeds_admin  # noqa: F401  (registers CalendarFeed)
from bookings.models import (
    Appointment,
    AppointmentStatusChange,
    AppointmentType,
    Room,
    ScheduleException,
    WorkingHours,
)
from bookings.online import admin as online_admin  # noqa: F401  (registers its model)
from clinic import csv_safe

CSV_COLUMNS = [
    "Date",
    "Start",
    "End",
    "Patient",
    "Therapist",
    "Type",
    "Room",
    "Status",
    "Late cancellation",
]


@admin.register(WorkingHours)
class WorkingHoursAdmin(admin.ModelAdmin):
    list_display = ["therapist", "weekday", "start_time", "end_time", "site"]
    list_filter = ["therapist", "weekday", "site"]
    list_select_related = ["therapist", "site"]


@admin.register(ScheduleException)
class ScheduleExceptionAdmin(admin.ModelAdmin):
    list_display = ["therapist", "kind", "site", "start", "end", "note"]
    list_filter = ["therapist", "kind", "site"]
    list_select_related = ["therapist", "site"]
    date_hierarchy = "start"


@admin.register(AppointmentType)
class AppointmentTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "duration_minutes", "is_active", "bookable_online"]
    list_editable = ["bookable_online"]
    prepopulated_fields = {"slug": ["name"]}

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: past appointments keep their type


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["name", "site", "is_active"]
    list_filter = ["site", "is_active"]
    list_select_related = ["site"]

    def has_delete_permission(self, request, obj=None):
        return False


class StatusChangeInline(admin.TabularInline):
    model = AppointmentStatusChange
    extra = 0
    can_delete = False
    fields = ["changed_at", "from_status", "to_status", "changed_by", "reason", "late_cancellation"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Appointment)
class AppointmentAdmin(SimpleHistoryAdmin):
    list_display = [
        "start",
        "patient",
        "therapist",
        "appointment_type",
        "site",
        "room",
        "status",
        "late_cancellation",
    ]
    list_filter = ["site", "therapist", "status", "appointment_type", "start", "room"]
    list_select_related = ["patient", "therapist", "appointment_type", "site", "room"]
    date_hierarchy = "start"
    search_fields = ["patient__first_name", "patient__last_name", "patient__email"]
    ordering = ["-start"]
    fields = [
        "patient",
        "therapist",
        "appointment_type",
        "site",
        "room",
        "episode",
        "start",
        "end",
        "status",
        "cancellation_reason",
        "late_cancellation",
        "outside_hours",
        "notes",
        "created_by",
    ]
    readonly_fields = [name for name in fields if name != "notes"]
    inlines = [StatusChangeInline]
    actions = ["cancel_appointments", "mark_no_show", "export_csv"]

    def has_add_permission(self, request):
        return False  # the booking page checks hours and clashes; book there

    def has_delete_permission(self, request, obj=None):
        return False  # cancel instead

    @admin.action(description="Cancel the selected appointments")
    def cancel_appointments(self, request, queryset):
        done = skipped = 0
        for appointment in queryset:
            try:
                services.appointment_cancel(
                    appointment=appointment, by=request.user, reason="Cancelled in the admin"
                )
                done += 1
            except services.BookingNotAllowedError:
                skipped += 1
        self._report(request, done, skipped, "cancelled")

    @admin.action(description="Mark the selected appointments as did not attend")
    def mark_no_show(self, request, queryset):
        done = skipped = 0
        for appointment in queryset:
            try:
                services.appointment_set_status(
                    appointment=appointment, status=Appointment.Status.NO_SHOW, by=request.user
                )
                done += 1
            except services.BookingNotAllowedError:
                skipped += 1
        self._report(request, done, skipped, "marked as did not attend")

    def _report(self, request, done: int, skipped: int, verb: str) -> None:
        self.message_user(request, f"{done} appointment(s) {verb}.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                f"{skipped} skipped: only booked appointments can be changed this way, "
                "and only once they have started for did not attend.",
                messages.WARNING,
            )

    @admin.action(description="Export the selected appointments as CSV")
    def export_csv(self, request, queryset):
        zone = selectors.clinic_zone()
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="appointments-{stamp}.csv"'
        writer = csv_safe.writer(response)
        writer.writerow(CSV_COLUMNS)
        for item in queryset.select_related(
            "patient", "therapist", "appointment_type", "room"
        ).order_by("start"):
            start, end = item.start.astimezone(zone), item.end.astimezone(zone)
            writer.writerow(
                [
                    f"{start:%Y-%m-%d}",
                    f"{start:%H:%M}",
                    f"{end:%H:%M}",
                    item.patient.full_name,
                    item.therapist.get_full_name() or item.therapist.email,
                    item.appointment_type.name,
                    item.room.name if item.room else "",
                    item.get_status_display(),
                    "yes" if item.late_cancellation else "no",
                ]
            )
        return response
