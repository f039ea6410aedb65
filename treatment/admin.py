from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from clinic.admin_site import ReadOnlyAdminMixin
from treatment.models import Retest, TreatmentGiven, TreatmentSession


class RetestInline(admin.StackedInline):
    model = Retest
    extra = 0
    can_delete = False


class TreatmentGivenInline(admin.TabularInline):
    model = TreatmentGiven
    extra = 0
    can_delete = False


@admin.register(TreatmentSession)
class TreatmentSessionAdmin(ReadOnlyAdminMixin, SimpleHistoryAdmin):
    """Session notes are signed and amended on their pages; here they are read only."""

    list_display = ["__str__", "episode", "therapist", "status", "version", "signed_at"]
    list_filter = ["status"]
    list_select_related = ["episode__patient", "therapist"]
    inlines = [RetestInline, TreatmentGivenInline]
