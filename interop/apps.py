from django.apps import AppConfig


class InteropConfig(AppConfig):
    """The read-only FHIR R4 API at /fhir/ and the FHIR exports (issue 18, section 1).

    Named `interop`, not `fhir`: an app called `fhir` would shadow the `fhir.resources`
    package the tests validate every resource with."""

    name = "interop"
    verbose_name = "FHIR interoperability"
