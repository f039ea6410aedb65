from axes.utils import reset as axes_reset
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from clinic import audit
from clinic.admin_site import ReadOnlyAdminMixin
from clinic.auth_backends import lockout_username
from clinic.models import AuditEvent, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "first_name", "last_name", "role", "is_active", "is_superuser"]
    list_filter = ["role", "is_active", "is_superuser"]
    search_fields = ["email", "first_name", "last_name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Person", {"fields": ("first_name", "last_name", "role")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "role", "password1", "password2")}),
    )
    actions = ["unlock_sign_in"]

    @admin.action(description="Unlock sign-in (forget failed logins from every address)")
    def unlock_sign_in(self, request, queryset):
        unlocked = []
        for user in queryset:
            cleared = axes_reset(username=lockout_username(None, {"username": user.email}))
            audit.record(
                "update",
                obj=user,
                detail={"event": "sign_in_unlocked", "failed_login_records_cleared": cleared},
            )
            if cleared:
                unlocked.append(user.email)
        if unlocked:
            self.message_user(request, "Sign-in unlocked for " + ", ".join(unlocked) + ".")
        else:
            self.message_user(
                request, "None of these accounts had failed logins to forget.", messages.INFO
            )


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: the audit trail cannot be edited or deleted, even by the manager."""

    list_display = ["at", "actor_label", "action", "object_type", "patient", "ip_address"]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_label", "object_id", "request_id", "patient__last_name"]
    date_hierarchy = "at"
    list_select_related = ["patient"]
