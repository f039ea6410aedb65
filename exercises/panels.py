"""What the exercises app adds to the therapist dashboard and the staff patient page."""

from __future__ import annotations

from clinic.access import CLINICAL, has_role
from clinic.panels import Panel
from exercises import selectors


def patient_panels(*, user, patient) -> list[Panel]:
    """Plans with weekly adherence and pain (clinical roles only): three queries."""
    if not has_role(user, CLINICAL):
        return []
    episodes = list(patient.episodes.filter(status="open").order_by("-number"))
    return [
        Panel(
            template="exercises/panels/patient_plans.html",
            context={
                "patient": patient,
                "episodes": episodes,
                "plans": selectors.adherence_for_patient(patient=patient),
            },
            order=40,
        )
    ]


def dashboard_panels(*, user) -> list[Panel]:
    if not has_role(user, CLINICAL):
        return []
    return [
        Panel(
            template="exercises/panels/dashboard_alerts.html",
            context={"alerts": selectors.open_alerts(user=user)},
            order=20,
        )
    ]
