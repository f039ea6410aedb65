from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from clinic.admin_site import ReadOnlyAdminMixin
from exercises.models import AlertAcknowledgement, Exercise, ExercisePlan, PlanVersion


@admin.register(Exercise)
class ExerciseAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "kind", "directional_preference", "archived_at"]
    search_fields = ["code", "name"]
    readonly_fields = ["public_id", "created_at", "updated_at"]

    def has_delete_permission(self, request, obj=None):
        return False  # archived instead: published plans refer to it


class PlanVersionInline(admin.TabularInline):
    model = PlanVersion
    extra = 0
    fields = ["number", "sessions_per_week", "published_at", "published_by"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ExercisePlan)
class ExercisePlanAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """Read-only overview for the manager; therapists edit plans on the plan page."""

    list_display = ["patient", "episode", "status", "start_date", "end_date", "last_logged_on"]
    list_filter = ["status"]
    list_select_related = ["patient", "episode"]
    inlines = [PlanVersionInline]


@admin.register(AlertAcknowledgement)
class AlertAcknowledgementAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["plan", "kind", "period", "acknowledged_by", "acknowledged_at", "note"]
    list_select_related = ["plan__patient", "acknowledged_by"]
