"""The Django admin, limited to the methods its pages serve.

Admin pages are forms and lists: GET shows them, POST sends them. Django's admin views do not
say so themselves (a PUT re-renders a change form), so every admin URL is wrapped here, the
way clinic views declare their methods with `require_http_methods`.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import Http404
from django.urls import URLPattern, URLResolver
from django.views.decorators.http import require_http_methods


class ReadOnlyAdminMixin:
    """For records that change only through the site's services (append-only, signed or
    audited): the admin lists and shows them, and adds, edits and deletes none. Put it first
    among the bases."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


#: Admin pages that only show something; every other admin page is a form (or a list with
#: actions) and also takes POST.
READ_ONLY = {"index", "app_list", "autocomplete", "jsi18n", "view_on_site", "password_change_done"}


def _methods(name: str | None) -> list[str]:
    read_only = name in READ_ONLY or (name or "").endswith("_history")
    return ["GET"] if read_only else ["GET", "POST"]


def _limit_methods(patterns: list) -> list:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            _limit_methods(entry.url_patterns)
        elif isinstance(entry, URLPattern):
            entry.callback = require_http_methods(_methods(entry.name))(entry.callback)
    return patterns


def _refuse_patients(view):
    """A signed-in patient gets 404, as on every staff page (clinic.access.refuse)."""

    @wraps(view)
    def for_staff(request, *args, **kwargs):
        # Imported here: this module loads with the admin app, before the auth models.
        from clinic.access import PATIENT, roles_of

        if roles_of(request.user) == {PATIENT}:
            raise Http404
        return view(request, *args, **kwargs)

    return for_staff


class ClinicAdminSite(admin.AdminSite):
    def get_urls(self):
        return _limit_methods(super().get_urls())

    def admin_view(self, view, cacheable=False):
        """Every admin page, not only the admin's own login form, is a 404 for a patient."""
        return _refuse_patients(super().admin_view(view, cacheable))

    # The admin's login and logout pages are not wrapped by `admin_view`: a signed-in patient
    # would otherwise see the admin's sign-in form (and learn that the admin exists).
    def login(self, request, extra_context=None):
        return _refuse_patients(super().login)(request, extra_context)

    def logout(self, request, extra_context=None):
        return _refuse_patients(super().logout)(request, extra_context)


class ClinicAdminConfig(AdminConfig):
    """django.contrib.admin with ClinicAdminSite as `admin.site` (listed in INSTALLED_APPS)."""

    default_site = "clinic.admin_site.ClinicAdminSite"
