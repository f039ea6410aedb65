from django.contrib import admin

from portal.models import Invitation


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Read-only: invitations are sent from the therapist's pages."""

    list_display = ["email", "patient", "created_by", "created_at", "expires_at", "used_at"]
    list_select_related = ["patient", "created_by"]
    exclude = ["token_hash"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
