from django.contrib import admin

from notifications.models import ReminderDelivery, ReminderSchedule


@admin.register(ReminderSchedule)
class ReminderScheduleAdmin(admin.ModelAdmin):
    list_display = ("patient", "source", "subject_id", "times", "channel", "next_due_at")
    list_filter = ("source", "channel")
    list_select_related = ("patient",)
    search_fields = ("patient__last_name", "patient__first_name")
    readonly_fields = ("next_due_at", "public_id")
    raw_id_fields = ("patient",)


@admin.register(ReminderDelivery)
class ReminderDeliveryAdmin(admin.ModelAdmin):
    list_display = ("patient", "local_date", "slot", "channel", "status", "attempts", "reason")
    list_filter = ("status", "channel")
    list_select_related = ("patient",)
    date_hierarchy = "due_at"
    search_fields = ("patient__last_name", "patient__first_name")
    raw_id_fields = ("patient", "schedule")
    readonly_fields = [field.name for field in ReminderDelivery._meta.fields]

    def has_add_permission(self, request):
        return False
