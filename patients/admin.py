from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from notifications.schedules import schedules_follow_patient
from patients.models import Episode, Patient


class EpisodeInline(admin.TabularInline):
    model = Episode
    extra = 0
    fields = ["number", "side", "started_on", "status", "discharged_on", "outcome"]
    readonly_fields = ["number"]
    can_delete = False


@admin.register(Patient)
class PatientAdmin(SimpleHistoryAdmin):
    list_display = ["full_name", "email", "phone", "date_of_birth", "episode_count", "archived_at"]
    list_filter = ["runner_level", "archived_at"]
    search_fields = ["first_name", "last_name", "email", "phone"]
    readonly_fields = ["public_id", "privacy", "episode_count", "created_at", "updated_at"]
    inlines = [EpisodeInline]

    def has_delete_permission(self, request, obj=None):
        return False  # patients are archived, never deleted

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # As patient_update does: reminders keep their local times in a new time zone.
        schedules_follow_patient(patient=obj)

    @admin.display(description="Privacy requests")
    def privacy(self, obj: Patient) -> str:
        # the export and erasure tools live on the site, where they are audited
        if obj.pk is None:
            return "Available once the patient is saved."
        url = reverse("patients:privacy", args=[obj.public_id])
        return format_html('<a href="{}">Export or erase this patient\'s data</a>', url)
