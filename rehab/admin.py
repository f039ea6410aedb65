from django.contrib import admin

from rehab.models import DischargeSummary, StageChange


class ReadOnlyAdmin(admin.ModelAdmin):
    """Stage changes and discharge summaries are append-only: the admin only shows them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StageChange)
class StageChangeAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "episode", "direction", "criteria_met", "decided_by"]
    list_filter = ["direction", "stage_list"]
    list_select_related = ["episode__patient", "decided_by"]


@admin.register(DischargeSummary)
class DischargeSummaryAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "final_dx", "stage_reached", "gp_letter_consent", "created_at"]
    list_select_related = ["episode__patient"]
