"""The FHIR API's views: thin, over the registry. JSON only (application/fhir+json).

The bearer token is the only authority here: a browser session counts for nothing, so a
signed-in patient (or anyone without a token) gets 401, like any other caller.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.http import require_GET

from clinic import audit
from clinic.access import has_role
from interop import bundles
from interop.params import SearchError, parse
from interop.registry import REGISTRY
from interop.selectors import token_check

CONTENT_TYPE = "application/fhir+json"


def base_url() -> str:
    return f"{settings.SITE_URL}/fhir"


def fhir_response(body: dict, status: int = 200) -> HttpResponse:
    response = HttpResponse(json.dumps(body), status=status, content_type=CONTENT_TYPE)
    response["Cache-Control"] = "no-store"
    return response


def error(status: int, message: str) -> HttpResponse:
    response = fhir_response(bundles.operation_outcome(status, message), status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="fhir"'
    return response


def _authenticate(request):
    """(user, None) for a usable token, else (None, the error response)."""
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    raw = raw.strip()
    if scheme.lower() != "bearer" or not raw:
        return None, error(401, "Send an API token: 'Authorization: Bearer <token>'.")
    check = token_check(raw=raw)
    if check.user is None:
        return None, error(check.status, check.reason)
    # The audit trail names the token's owner, as it names the signed-in user of a page.
    context = audit.current()
    if context is not None:
        context.user_id = check.user.pk
        context.actor_label = check.user.email
    return check.user, None


def _kind_for(user, resource_type: str):
    kind = REGISTRY.get(resource_type)
    if kind is None:
        return None, error(404, f"This server does not serve {resource_type!r} resources.")
    if not has_role(user, kind.roles):
        return None, error(403, f"Your token may not read {resource_type} resources.")
    return kind, None


@require_GET
def metadata(request):
    """The CapabilityStatement: public, as FHIR clients expect, and free of patient data."""
    return fhir_response(bundles.capability_statement(base=base_url()))


@require_GET
def search(request, resource_type: str):
    user, refused = _authenticate(request)
    if refused:
        return refused
    kind, refused = _kind_for(user, resource_type)
    if refused:
        return refused
    try:
        query = parse(dict(request.GET.lists()), supported=kind.params)
    except SearchError as problem:
        return error(400, str(problem))
    entries, more = kind.page(query)
    for _resource, patient in entries:
        audit.note_patient(patient)
    return fhir_response(
        bundles.searchset(
            base=base_url(),
            resource_type=kind.name,
            search=query,
            resources_=[resource for resource, _ in entries],
            more=more,
        )
    )


@require_GET
def read(request, resource_type: str, resource_id: str):
    user, refused = _authenticate(request)
    if refused:
        return refused
    kind, refused = _kind_for(user, resource_type)
    if refused:
        return refused
    found = kind.read(resource_id)
    if found is None:
        return error(404, f"No {resource_type} with id {resource_id!r}.")
    resource, patient = found
    audit.note_patient(patient)
    return fhir_response(resource)
