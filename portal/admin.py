from django.contrib import admin

from clinic.admin_site import ReadOnlyAdminMixin
from portal.models import Invitation


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: invitations are sent from the therapist's pages."""

    list_display = ["email", "patient", "created_by", "created_at", "expires_at", "used_at"]
    list_select_related = ["patient", "created_by"]
    exclude = ["token_hash"]
