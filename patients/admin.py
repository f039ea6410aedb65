from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

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
    readonly_fields = ["public_id", "episode_count", "created_at", "updated_at"]
    inlines = [EpisodeInline]

    def has_delete_permission(self, request, obj=None):
        return False  # patients are archived, never deleted
