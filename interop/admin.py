"""The manager issues and revokes FHIR API tokens here. A new token is shown once, in the
message after saving; only its hash is kept."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from clinic.access import STAFF, has_role
from clinic.models import User
from interop import services
from interop.models import ApiToken


class ApiTokenForm(forms.ModelForm):
    class Meta:
        model = ApiToken
        fields = ["user", "label"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "user" not in self.fields:
            return  # an existing token: its owner is shown, not chosen
        self.fields["user"].queryset = User.objects.filter(is_active=True).exclude(
            role=User.Role.PATIENT, is_superuser=False
        )
        self.fields["user"].help_text = "Clinic staff only: patients never get an API token."

    def clean_user(self):
        user = self.cleaned_data["user"]
        if not has_role(user, STAFF):
            raise ValidationError("API tokens are for clinic staff; patients get none.")
        return user


@admin.action(description="Revoke the selected tokens")
def revoke(modeladmin, request, queryset):
    for token in queryset:
        services.token_revoke(token=token, by=request.user)
    messages.success(request, "The selected tokens are revoked: they no longer open the API.")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    form = ApiTokenForm
    list_display = ["label", "user", "prefix", "created_at", "created_by", "revoked_at"]
    list_filter = ["revoked_at"]
    list_select_related = ["user", "created_by"]
    readonly_fields = ["prefix", "scope", "created_at", "created_by", "revoked_at", "revoked_by"]
    actions = [revoke]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["user", "label"]
        return ["user", "label", *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        # A token's owner never changes; its label may.
        return ["user", *self.readonly_fields] if obj is not None else []

    def has_delete_permission(self, request, obj=None):
        return False  # revoked, never deleted: the audit trail names tokens

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        token, raw = services.token_create(
            user=form.cleaned_data["user"], label=form.cleaned_data["label"], by=request.user
        )
        obj.pk = token.pk
        obj.refresh_from_db()
        messages.warning(
            request,
            f"The token for {token.user.email} is {raw} — copy it now: it is not stored and "
            "cannot be shown again.",
        )
