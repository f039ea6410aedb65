"""FHIR exports: one patient's record as a Bundle, and every resource as NDJSON files.

Both walk REGISTRY, so a type added to the API is exported without a change here, and both
write an "export" event to the audit trail.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from django.conf import settings

from clinic import audit
from interop import bundles
from interop.registry import REGISTRY


def patient_bundle(*, patient, user) -> str:
    """Everything the API serves about `patient`, as a FHIR Bundle of type collection."""
    base = f"{settings.SITE_URL}/fhir"
    found = [resource for kind in REGISTRY.values() for resource in kind.stream(patient=patient)]
    audit.record(
        "export", obj=patient, patient=patient, user=user, detail={"format": "fhir-bundle"}
    )
    return json.dumps(bundles.collection(base=base, resources_=found), indent=2)


def bulk_export(
    *,
    directory: Path,
    types: list[str] | None = None,
    progress: Callable[[str, int, int], None] = lambda name, done, total: None,
    user=None,
) -> dict[str, int]:
    """One `<Type>.ndjson` file per resource type in `directory` (one resource a line),
    read in chunks. `progress(type, done, total)` is called as rows are written (the total
    counts source rows, so Observation's done may pass it). Returns type -> lines written."""
    directory.mkdir(parents=True, exist_ok=True)
    written: dict[str, int] = {}
    for name in types or list(REGISTRY):
        kind = REGISTRY[name]
        total = kind.count()
        done = 0
        with (directory / f"{name}.ndjson").open("w", encoding="utf-8") as out:
            for resource in kind.stream():
                out.write(json.dumps(resource, separators=(",", ":")) + "\n")
                done += 1
                if done % 200 == 0:
                    progress(name, done, total)
        progress(name, done, max(total, done))
        written[name] = done
    audit.record("export", user=user, detail={"format": "fhir-ndjson", "lines": written})
    return written
