from django.contrib import admin

from running.models import ProgrammeDecision, RunLog, RunProgramme


class ReadOnlyAdmin(admin.ModelAdmin):
    """Programmes, runs and decisions change through the site's pages only, and nothing about
    a patient is deleted."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RunProgramme)
class RunProgrammeAdmin(ReadOnlyAdmin):
    list_display = ["name", "patient", "episode", "status", "current_step", "started_on"]
    list_filter = ["status", "template_key"]
    list_select_related = ["patient", "episode"]


@admin.register(RunLog)
class RunLogAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "patient", "minutes", "terrain", "pain_during", "pain_after"]
    list_filter = ["terrain"]
    list_select_related = ["patient"]


@admin.register(ProgrammeDecision)
class ProgrammeDecisionAdmin(ReadOnlyAdmin):
    list_display = ["__str__", "programme", "kind", "from_step", "to_step"]
    list_filter = ["kind"]
    list_select_related = ["programme"]
