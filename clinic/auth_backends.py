from axes.backends import AxesStandaloneBackend
from django.contrib.auth import backends as auth_backends
from django.contrib.auth import get_user_model

from clinic.rows import row_by_pk


class LockoutBackend(AxesStandaloneBackend):
    """django-axes lockout for sign-ins that come through a request.

    Authentication without a request (management commands, Django's test client `login()`)
    has no IP address to lock out, so it is left to the next backend.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def lockout_username(request, credentials) -> str | None:
    """The login name django-axes counts failures against: case-folded, so that
    'Someone@Example.com' and 'someone@example.com' share one counter."""
    source = credentials if credentials else getattr(request, "POST", {})
    username = source.get("username") if source else None
    return username.strip().lower() if isinstance(username, str) else None


class ModelBackend(auth_backends.ModelBackend):
    """Django's model backend, reading the signed-in user with SQL compiled once per process
    (clinic/rows.py): it runs on every signed-in request. Sign-in, permissions and Django's
    session check (`django.contrib.auth.get_user` compares the session's password hash with
    the user's, so a password change signs other sessions out) are Django's, unchanged."""

    def get_user(self, user_id):
        user = row_by_pk(get_user_model(), user_id)
        return user if user is not None and self.user_can_authenticate(user) else None
