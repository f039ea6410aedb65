"""Every resource the API produces is checked against the FHIR R4B models of `fhir.resources`
(a well-kept library), so an invalid resource fails the tests."""

from __future__ import annotations

from fhir.resources.R4B import get_fhir_model_class


def valid(resource: dict) -> dict:
    """`resource` parsed by the library's model of its type (raises when it is invalid)."""
    model = get_fhir_model_class(resource["resourceType"])
    model.model_validate(resource)
    return resource
