from axes.utils import reset as axes_reset
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from clinic import audit
from clinic.admin_site import ReadOnlyAdminMixin
from clinic.auth_backends import lockout_username
from clinic.models import AuditEvent, User
from clinic.sites import ClinicGroup, Site, SiteOpeningHours


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

    list_display = [
        "at",
        "actor_label",
        "action",
        "object_type",
        "patient",
        "patients_shown_count",
        "ip_address",
    ]
    list_filter = ["action", "object_type"]
    search_fields = ["actor_label", "object_id", "request_id", "patient__last_name"]
    date_hierarchy = "at"
    list_select_related = ["patient"]

    @admin.display(description="Patients shown")
    def patients_shown_count(self, event: AuditEvent) -> int:
        """A request that showed several patients is one event naming them all (the manager's
        audit search finds it by any of them)."""
        return len(event.patients_shown)


class ManagerOnlyAdminMixin:
    """Only the manager (a superuser) sees or changes it; nothing is ever deleted. Sites carry
    rooms, working hours and appointments, so one is closed by making it inactive."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ClinicGroup)
class ClinicGroupAdmin(ManagerOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name"]


class SiteOpeningHoursInline(ManagerOnlyAdminMixin, admin.TabularInline):
    model = SiteOpeningHours
    extra = 1
    fields = ["weekday", "opens", "closes"]

    def has_delete_permission(self, request, obj=None):
        # Opening hours are the site's own timetable: rows are removed, the site never is.
        return self.has_module_permission(request)


@admin.register(Site)
class SiteAdmin(ManagerOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["name", "group", "time_zone", "holiday_region", "is_active", "is_default"]
    list_filter = ["group", "is_active"]
    list_select_related = ["group"]
    search_fields = ["name", "address"]
    prepopulated_fields = {"slug": ["name"]}
    fields = [
        "group",
        "name",
        "slug",
        "address",
        "phone",
        "email",
        "time_zone",
        "holiday_region",
        "is_active",
    ]
    inlines = [SiteOpeningHoursInline]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.is_default:
            # The default site keeps the clock and holidays of the TIME_ZONE and CLINIC_HOLIDAYS
            # settings (clinic.sites.Site.zone): change them there.
            return ["time_zone", "holiday_region", "default_site_note"]
        return []

    def get_fields(self, request, obj=None):
        fields = list(super().get_fields(request, obj))
        if obj is not None and obj.is_default:
            fields.append("default_site_note")
        return fields

    @admin.display(description="Clock and holidays")
    def default_site_note(self, obj) -> str:
        return (
            "This is the clinic's main site: its time zone and public holidays come from the "
            "TIME_ZONE and CLINIC_HOLIDAYS settings."
        )
