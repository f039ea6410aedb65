from django.contrib import admin

from clinic.admin_site import ReadOnlyAdminMixin
from running.models import ProgrammeDecision, RunLog, RunProgramme


@admin.register(RunProgramme)
class RunProgrammeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "patient", "episode", "status", "current_step", "started_on"]
    list_filter = ["status", "template_key"]
    list_select_related = ["patient", "episode"]


@admin.register(RunLog)
class RunLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "patient", "minutes", "terrain", "pain_during", "pain_after"]
    list_filter = ["terrain"]
    list_select_related = ["patient"]


@admin.register(ProgrammeDecision)
class ProgrammeDecisionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "programme", "kind", "from_step", "to_step"]
    list_filter = ["kind"]
    list_select_related = ["programme"]
