"""Patient pages follow one rule: `portal/` owns every page a patient opens.

Each patient page is a view in a `portal/pages/<topic>.py` module, reached under /portal/, and
reads and writes only through the domain apps' selectors and services. The one staff page in
`portal/` is the invitation that opens a patient's portal (`portal/staff.py`): the portal app
owns invitations. These tests walk the URLconf, so a new page that breaks the rule fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

from django.urls import URLPattern, URLResolver, get_resolver

from clinic.access import PATIENT
from tests.security.test_url_walk import ROUTES

PAGES = "portal.pages."
#: Staff pages that belong to the portal app's own domain (sending a patient the invitation).
PORTAL_STAFF_MODULES = {"portal.staff"}
#: Patient pages that need no login: the signed link is the authority.
PUBLIC_PATIENT_PAGES = {
    "portal:welcome",
    "portal:reminders:unsubscribe",
    "portal:waitlist:offer",
    "portal:waitlist:answer",
}
PAGES_DIR = Path(__file__).resolve().parents[2] / "portal" / "pages"
#: Building a query is a selector's job: none of these may appear in a page module.
QUERY_ATTRIBUTES = {
    "objects",
    "filter",
    "exclude",
    "order_by",
    "select_related",
    "prefetch_related",
    "annotate",
    "aggregate",
    "raw",
    "extra",
}


def _views(patterns, namespace: str | None = None):
    """(route name, view module, roles or None) for every URL pattern, includes followed."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace
            if inner and namespace:
                inner = f"{namespace}:{inner}"
            yield from _views(entry.url_patterns, inner or namespace)
        elif isinstance(entry, URLPattern):
            view = getattr(entry.callback, "view_class", entry.callback)
            name = entry.name and (f"{namespace}:{entry.name}" if namespace else entry.name)
            yield name, namespace, view.__module__, getattr(view, "roles", None)


def misplaced(urlconf=None) -> list[str]:
    """Every way the URLconf breaks the rule, one line each."""
    problems = []
    for name, namespace, module, roles in _views(get_resolver(urlconf).url_patterns):
        if namespace == "admin":
            continue
        in_pages = module.startswith(PAGES)
        in_portal = (namespace or "").split(":")[0] == "portal"
        if roles and PATIENT in roles and not in_pages:
            problems.append(f"{name}: a patient page in {module}, not in portal/pages/")
        if in_portal and not in_pages and module not in PORTAL_STAFF_MODULES:
            problems.append(f"{name}: under /portal/ but its view is in {module}")
        if in_pages and roles and set(roles) != {PATIENT}:
            problems.append(f"{name}: a page for {roles} in {module}; staff pages live in apps")
        if in_pages and not roles and name not in PUBLIC_PATIENT_PAGES:
            problems.append(f"{name}: in {module} without @role_required(*PATIENTS)")
    return sorted(problems)


def queries_in_pages(folder: Path = PAGES_DIR) -> list[str]:
    """`file:line attribute` for every ORM query built in a page module."""
    found = []
    for path in sorted(folder.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in QUERY_ATTRIBUTES:
                found.append(f"{path.name}:{node.lineno} .{node.attr}")
    return found


def test_it_keeps_every_patient_page_in_portal_pages():
    problems = misplaced()
    assert not problems, "patient pages live in portal/pages/<topic>.py:\n" + "\n".join(problems)


def test_it_serves_every_route_the_url_walk_opens_to_patients_from_portal_pages():
    """The URL walk's access table, which the walk enforces for every role, agrees: a page that
    checks the patient role some other way than the decorator is held to the rule too."""
    views = {name: module for name, _, module, _ in _views(get_resolver().url_patterns)}
    outside = sorted(
        f"{name}: {views[name]}"
        for name, route in ROUTES.items()
        if route.access == "patient" and not views[name].startswith(PAGES)
    )
    assert not outside, outside


def test_it_finds_the_patient_pages_it_checks():
    """The walk is real: it sees the portal's pages and their patient role."""
    views = {
        name: (module, roles) for name, _, module, roles in _views(get_resolver().url_patterns)
    }
    assert views["portal:home"] == ("portal.pages.home", (PATIENT,))
    assert views["portal:appointments:cancel"][0].startswith(PAGES)
    assert views["portal:previsit"][0].startswith(PAGES)


def test_it_reports_a_patient_page_outside_portal():
    problems = misplaced("tests.portal.misplaced_urls")
    assert problems == [
        "misplaced:patient_page: a patient page in tests.portal.misplaced_urls, "
        "not in portal/pages/",
    ]


def test_it_keeps_queries_out_of_the_page_modules():
    assert PAGES_DIR.is_dir()
    found = queries_in_pages()
    assert not found, f"pages call selectors and services, never the ORM: {found}"


def test_it_reports_a_query_in_a_page_module(tmp_path):
    (tmp_path / "sneaky.py").write_text(
        "from exercises.models import SessionLog\n\n\n"
        "def page(request):\n"
        "    return SessionLog.objects.filter(patient__user=request.user)\n"
    )
    assert queries_in_pages(tmp_path) == ["sneaky.py:5 .filter", "sneaky.py:5 .objects"]
