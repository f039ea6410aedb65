"""Every view answers 405 to an HTTP method it does not serve.

Which methods a view serves is read from its own declaration: Django's `require_GET`,
`require_POST` or `require_http_methods([...])` on a function view, `http_method_names` on a
class view. A view without one fails `test_it_finds_a_method_declaration_on_every_view`,
and every route in tests/security/test_url_walk.py ROUTES (which must list every URL pattern)
is then sent every method, as a user allowed to open it. So a new page is covered by adding
its ROUTES entry, with no test of its own.

HEAD follows GET (clinic.middleware.HeadAsGetMiddleware); TRACE is never served; OPTIONS is
405, or 200 with no page (Django's class views list their methods in `Allow`).
"""

from __future__ import annotations

import pytest
from django.contrib.auth import views as auth_views
from django.db import transaction
from django.http import HttpResponse
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.generic import View

from clinic.access import STAFF, role_required
from tests.security.test_url_walk import ALLOWED, OPTIONAL, ROUTES, _admin_urls

pytestmark = pytest.mark.django_db

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "TRACE", "OPTIONS")


def _declared_by_decorator(view) -> set[str] | None:
    """The list given to Django's require_http_methods (require_GET and require_POST use it)
    anywhere in the view's chain of decorators, which functools.wraps links by __wrapped__."""
    while view is not None:
        code = getattr(view, "__code__", None)
        if code is not None and "request_method_list" in code.co_freevars:
            cell = view.__closure__[code.co_freevars.index("request_method_list")]
            return {method.upper() for method in cell.cell_contents}
        view = getattr(view, "__wrapped__", None)
    return None


def served_methods(callback) -> frozenset[str] | None:
    """The methods a URL pattern's view declares it serves; None when it declares nothing."""
    methods = _declared_by_decorator(callback)
    view_class = getattr(callback, "view_class", None)
    if view_class is not None:
        names = callback.view_initkwargs.get("http_method_names", view_class.http_method_names)
        implemented = {name.upper() for name in names if hasattr(view_class, name)}
        if methods is not None:
            methods &= implemented  # a decorated class view: both must agree
        elif list(names) != View.http_method_names:
            methods = implemented
        # else Django's default: every method, and a form view answers PUT as a POST
    if methods is None:
        return None
    if "GET" in methods:
        methods.add("HEAD")
    return frozenset(methods)


def _patterns(patterns=None, prefix: str = ""):
    """(path, callback) for every URL pattern, the admin's included."""
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def test_it_finds_a_method_declaration_on_every_view():
    undeclared, trace = [], []
    for route, callback in _patterns():
        served = served_methods(callback)
        if served is None:
            undeclared.append(route)
        elif "TRACE" in served:
            trace.append(route)
    assert not undeclared, (
        "Declare the HTTP methods of these views (require_GET, require_POST, "
        f"require_http_methods([...]) or http_method_names): {sorted(set(undeclared))}"
    )
    assert not trace, f"These views serve TRACE: {trace}"


def test_it_reads_each_kind_of_declaration():
    """served_methods is what the walk relies on: check it on views of every kind."""

    def plain(request):
        return HttpResponse()

    assert served_methods(plain) is None
    assert served_methods(role_required(*STAFF)(plain)) is None
    assert served_methods(require_GET(plain)) == {"GET", "HEAD"}
    assert served_methods(role_required(*STAFF)(require_POST(plain))) == {"POST"}
    assert served_methods(require_http_methods(["GET", "POST"])(plain)) == {"GET", "HEAD", "POST"}
    # Django's form views answer PUT as a POST unless told which methods they serve.
    assert served_methods(auth_views.PasswordResetView.as_view()) is None
    limited = auth_views.PasswordResetView.as_view(http_method_names=["get", "post"])
    assert served_methods(limited) == {"GET", "HEAD", "POST"}


def _role_for(access: str) -> str | None:
    allowed = ALLOWED[access]
    if None in allowed:
        return None
    return next(
        role for role in ("therapist", "reception", "manager", "patient") if role in allowed
    )


def _send(client, method: str, url: str):
    """One request whose writes are rolled back."""
    with transaction.atomic():
        response = client.generic(method, url)
        transaction.set_rollback(True)
    return response


def _callback(url: str):
    return get_resolver().resolve(url).func


def _assert_methods(client, url: str, label: str):
    served = served_methods(_callback(url))
    assert served is not None, f"{label} declares no HTTP methods"
    statuses = {method: _send(client, method, url) for method in METHODS}
    for method, response in statuses.items():
        status = response.status_code
        where = f"{method} {label}: {status}"
        assert status != 500, where
        if method not in served:
            assert status == 405, f"{where}, expected 405 (serves {sorted(served)})"
            assert response.has_header("Allow"), where
        elif method == "OPTIONS":
            assert status in {200, 204}, where
            assert b"<form" not in response.content, f"{where}: OPTIONS rendered a form"
        else:
            assert status != 405, f"{where}, but the view declares {method}"
    if "GET" in served:
        assert statuses["HEAD"].status_code == statuses["GET"].status_code, label
        head = statuses["HEAD"]
        body = b"".join(head.streaming_content) if head.streaming else head.content
        assert body == b"", f"HEAD {label} sent a body"
    assert "TRACE" not in served


@pytest.mark.parametrize("name", sorted(set(ROUTES) - OPTIONAL))
def test_it_answers_405_to_every_method_a_view_does_not_serve(world, name):
    route = ROUTES[name]
    url = reverse(name, kwargs=route.kwargs(world))
    role = _role_for(route.access)
    _assert_methods(world.client_for(role), url, f"{name} as {role}")


def test_it_answers_405_in_the_admin_to_methods_other_than_get_and_post(world):
    client = world.client_for("manager")
    urls = [*_admin_urls(), reverse("admin:patients_patient_change", args=[world.a.patient.pk])]
    for url in urls:
        _assert_methods(client, url, url)
    login = reverse("admin:login")
    for method in ("PUT", "PATCH", "DELETE", "TRACE"):
        assert _send(world.client_for(None), method, login).status_code == 405, method


@pytest.mark.parametrize("name", ["login", "password_reset", "password_change"])
def test_it_does_not_render_the_account_forms_for_put_patch_or_delete(world, name):
    client = world.client_for(None if name != "password_change" else "therapist")
    url = reverse(name)
    for method in ("PUT", "PATCH", "DELETE"):
        response = _send(client, method, url)
        assert response.status_code == 405, f"{method} {name}: {response.status_code}"
        assert b"<form" not in response.content
