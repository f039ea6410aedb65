"""The staff patient page's read of the exercises app that no other page makes: the alerts
acknowledged on the patient's plans (its own module so that selectors.py stays under 600 lines)."""

from __future__ import annotations

from clinic.access import CLINICAL, has_role
from clinic.models import beyond_name
from clinic.rows import prepared_list
from exercises.models import AlertAcknowledgement
from patients import page_rows

ACKNOWLEDGED_HISTORY_LIMIT = 20


def acknowledgements_for_patient(*, user, patient) -> list[AlertAcknowledgement]:
    """The patient's newest acknowledged alerts with who acknowledged them (one query).
    Clinical roles only."""
    if not has_role(user, CLINICAL):
        return []
    found = page_rows.taken(patient, "acknowledgements_for_patient")
    if found is not None:
        return found
    return prepared_list(
        "acknowledgements_for_patient", AlertAcknowledgement, _acknowledged, patient_id=patient.pk
    )


def _acknowledged(*, patient_id: int):
    return (
        AlertAcknowledgement.objects.filter(plan__patient_id=patient_id)
        .select_related("acknowledged_by")
        .defer(*beyond_name("acknowledged_by"))  # drawn by name only
        .order_by("-acknowledged_at", "-id")[:ACKNOWLEDGED_HISTORY_LIMIT]
    )
