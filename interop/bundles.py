"""Bundles, OperationOutcomes and the CapabilityStatement: the API's envelopes."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from urllib.parse import urlencode

from django.utils import timezone

from interop import resources
from interop.params import CONTROL, DEFAULT_COUNT, MAX_COUNT, Search
from interop.registry import REGISTRY

#: OperationOutcome issue codes (FHIR's issue-type value set) for each error status.
ISSUE_CODE = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
}


def operation_outcome(status: int, message: str) -> dict:
    return {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": "error",
                "code": ISSUE_CODE.get(status, "processing"),
                "diagnostics": message,
            }
        ],
    }


def searchset(
    *, base: str, resource_type: str, search: Search, resources_: list[dict], more: bool
) -> dict:
    """A page of a search: self, and next/previous where they exist."""
    url = f"{base}/{resource_type}"

    def link(relation: str, offset: int) -> dict:
        query = [*search.query(), ("_count", str(search.count)), ("_offset", str(offset))]
        return {"relation": relation, "url": f"{url}?{urlencode(query)}"}

    links = [link("self", search.offset)]
    if more:
        links.append(link("next", search.offset + search.count))
    if search.offset > 0:
        links.append(link("previous", max(0, search.offset - search.count)))
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "meta": {"lastUpdated": timezone.now().isoformat()},
        "type": "searchset",
        "link": links,
        "entry": [
            {
                "fullUrl": f"{base}/{resource['resourceType']}/{resource['id']}",
                "resource": resource,
                "search": {"mode": "match"},
            }
            for resource in resources_
        ],
    }


def collection(*, base: str, resources_: Iterable[dict]) -> dict:
    """Resources gathered for someone to keep (the patient's own record)."""
    return {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "type": "collection",
        "timestamp": timezone.now().isoformat(),
        "entry": [
            {"fullUrl": f"{base}/{resource['resourceType']}/{resource['id']}", "resource": resource}
            for resource in resources_
        ],
    }


_PARAM = {
    "patient": ("reference", "The patient's id (Patient/<id> or the bare id)."),
    "_id": ("token", "One or more ids, comma-separated."),
}


def capability_statement(*, base: str) -> dict:
    """Exactly what REGISTRY serves: read and search of each type, with its parameters."""
    entries = []
    for kind in REGISTRY.values():
        params = []
        for name in kind.params:
            if name == "date":
                params.append(
                    {
                        "name": "date",
                        "type": "date",
                        "documentation": f"Filters on {kind.date_meaning}; a day (YYYY-MM-DD) "
                        "with an optional prefix eq, lt, le, gt or ge; repeat it for a range.",
                    }
                )
            else:
                param_type, text = _PARAM[name]
                params.append({"name": name, "type": param_type, "documentation": text})
        who = "Clinic staff" if "reception" in kind.roles else "Therapists and the manager"
        entries.append(
            {
                "type": kind.name,
                "documentation": f"{kind.documentation} Readable by: {who.lower()}.",
                "interaction": [{"code": "read"}, {"code": "search-type"}],
                "searchParam": params,
            }
        )
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-12-04",
        "publisher": "Apex Clinic",
        "kind": "instance",
        "implementation": {"description": "Apex Clinic's read-only FHIR API", "url": base},
        "fhirVersion": resources.FHIR_VERSION,
        "format": ["application/fhir+json"],
        "rest": [
            {
                "mode": "server",
                "documentation": (
                    f"Read-only. Searches page with _count (default {DEFAULT_COUNT}, at most "
                    f"{MAX_COUNT}) and _offset, in a stable order; every search also takes "
                    f"{', '.join(CONTROL)}. Unknown parameters are refused (400), not ignored."
                ),
                "security": {
                    "service": [{"text": "Bearer token (Authorization header)"}],
                    "description": (
                        "Send 'Authorization: Bearer <token>'. The clinic manager issues "
                        "read-only tokens to clinic staff; patients get none. Reception tokens "
                        "read Patient and Appointment only (no clinical content). Every read "
                        "is written to the audit trail."
                    ),
                },
                "resource": entries,
            }
        ],
    }
