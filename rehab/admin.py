from django.contrib import admin

from clinic.admin_site import ReadOnlyAdminMixin
from rehab.models import DischargeSummary, StageChange


@admin.register(StageChange)
class StageChangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "episode", "direction", "criteria_met", "decided_by"]
    list_filter = ["direction", "stage_list"]
    list_select_related = ["episode__patient", "decided_by"]


@admin.register(DischargeSummary)
class DischargeSummaryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "final_dx", "stage_reached", "gp_letter_consent", "created_at"]
    list_select_related = ["episode__patient"]
