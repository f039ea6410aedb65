from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from assessments.models import (
    Assessment,
    AssessmentDecision,
    PreVisitQuestionnaire,
    ReferralOutcome,
    WorkingDiagnosis,
)
from clinic.admin_site import ReadOnlyAdminMixin


class NoDeleteAdmin(SimpleHistoryAdmin):
    """Clinical records are amended, never deleted."""

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Assessment)
class AssessmentAdmin(NoDeleteAdmin):
    list_display = ["__str__", "episode", "therapist", "status", "version"]
    list_filter = ["kind", "status"]
    list_select_related = ["episode__patient", "therapist"]
    readonly_fields = ["public_id", "created_at", "updated_at"]


@admin.register(AssessmentDecision)
class AssessmentDecisionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "episode", "suggested_label", "confirmed_by", "model_version"]
    list_filter = ["clinician_final_dx", "suggested_label", "model_version"]
    list_select_related = ["episode__patient", "confirmed_by"]

    def has_change_permission(self, request, obj=None):
        return False  # decisions are append-only

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PreVisitQuestionnaire)
class PreVisitQuestionnaireAdmin(NoDeleteAdmin):
    list_display = ["__str__", "episode", "submitted_at"]
    list_select_related = ["patient", "episode"]


@admin.register(ReferralOutcome)
class ReferralOutcomeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: outcomes are recorded on the referral page (audited) and never changed."""

    list_display = ["__str__", "patient", "seen_by", "no_further_action", "recorded_by"]
    list_filter = ["cleared_to_resume", "seen_by", "no_further_action"]
    list_select_related = ["decision__episode__patient", "recorded_by"]

    @admin.display(description="Patient")
    def patient(self, outcome: ReferralOutcome):
        return outcome.decision.episode.patient


@admin.register(WorkingDiagnosis)
class WorkingDiagnosisAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: recorded on the assessment page (audited); append-only."""

    list_display = ["__str__", "episode", "deciding_test", "recorded_by"]
    list_filter = ["working_dx", "deciding_test"]
    list_select_related = ["episode__patient", "recorded_by"]
