from django.conf import settings

from clinic.access import roles_of


def site(request):
    """Values every template needs: the site URL and the roles of whoever is signed in."""
    user = getattr(request, "user", None)
    roles = roles_of(user) if user is not None else set()
    return {"SITE_URL": settings.SITE_URL, "user_roles": roles}
