"""Who may open which page: the one place where roles are checked.

Views declare the roles they serve (`roles = CLINICAL` on a class-based view, or
`@role_required(*CLINICAL)` on a function). Anonymous users are sent to the login page;
signed-in staff of another role get a 403 page (on a patient portal page, one that says the
portal is for patients and links to their own home), and a patient gets a 404 on any page that
is not theirs (the house rule: a patient never learns that a staff page exists). Object-level
scoping (a patient sees only their own records) lives in each app's selectors, which raise 404.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps

from django.contrib.auth.mixins import AccessMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.functional import LazyObject, empty

THERAPIST = "therapist"
RECEPTION = "reception"
PATIENT = "patient"
MANAGER = "manager"

#: Clinical content (assessments, diagnoses, plans, logs): therapists and the manager.
CLINICAL = (THERAPIST, MANAGER)
#: Front-desk work (patients' contact details, bookings): all clinic staff.
STAFF = (THERAPIST, RECEPTION, MANAGER)
#: The patient portal.
PATIENTS = (PATIENT,)


def roles_of(user) -> set[str]:
    """The roles a user acts in. The manager (a superuser) also acts as a therapist."""
    if not user.is_authenticated or not user.is_active:
        return set()
    if user.is_superuser:
        return {MANAGER, THERAPIST}
    return {user.role}


#: Where a read-only page keeps the user's roles for the rest of its request (`keep_roles`).
_KEPT = "_clinic_roles"


def keep_roles(user) -> None:
    """Work the user's roles out once for the rest of this request: a read-only page whose
    apps ask `has_role` some thirty times a view (the patient page) calls it on the request's
    own user object, loaded afresh for every request. Every other page asks as before."""
    user.__dict__[_KEPT] = frozenset(roles_of(user))


def unwrapped_user(user):
    """The request's user object itself, out of its lazy wrappers (evaluating them if no one
    has yet): django-otp wraps the authentication middleware's lazy user in one of its own, and
    every attribute read through them is two proxy calls. For a page that hands the user to
    many hooks; the object is the one `request.user` reads, two-factor fields included."""
    while isinstance(user, LazyObject):
        if user._wrapped is empty:
            user._setup()
        user = user._wrapped
    return user


def has_role(user, roles: Iterable[str]) -> bool:
    kept = getattr(user, "__dict__", {}).get(_KEPT)
    if kept is not None:
        return not kept.isdisjoint(roles)
    return bool(roles_of(user) & set(roles))


class PortalIsForPatients(PermissionDenied):
    """Staff opened a patient portal page: still a 403, on a page that says why and where to go
    (clinic.views.error_403)."""


def refuse(user, roles: Iterable[str] = ()) -> None:
    """Turn a signed-in user away from a page of another role: 404 for a patient, else 403."""
    if roles_of(user) == {PATIENT}:
        raise Http404
    if set(roles) == set(PATIENTS):
        raise PortalIsForPatients
    raise PermissionDenied


def role_required(*roles: str) -> Callable:
    """Decorator for function views: login first, then one of `roles`, else `refuse`."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, roles):
                refuse(request.user, roles)
            return view(request, *args, **kwargs)

        # Read by tests/portal/test_layout.py (patient pages live in portal/); functools.wraps
        # in the method decorators above carries it to the view the URLconf holds.
        wrapped.roles = tuple(roles)
        return wrapped

    return decorator


class RoleRequiredMixin(AccessMixin):
    """Class-based views set `roles`; the check runs before any other dispatch logic."""

    roles: tuple[str, ...] = ()

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not has_role(request.user, self.roles):
            refuse(request.user, self.roles)
        return super().dispatch(request, *args, **kwargs)


def home_url_name(user) -> str:
    """Where a user lands after login: each role has its own home."""
    roles = roles_of(user)
    if THERAPIST in roles:
        return "clinic:dashboard"
    if RECEPTION in roles:
        return "bookings:home"
    if PATIENT in roles:
        return "portal:home"
    return "login"
