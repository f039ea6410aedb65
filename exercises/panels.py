"""What the exercises app adds to the therapist dashboard and the staff patient page."""

from __future__ import annotations

from clinic import fragments
from clinic.access import CLINICAL, has_role
from clinic.panels import Panel
from exercises import selectors
from patients.selectors import open_episodes

# The dashboard's alerts have their own freshness rule (exercises.selectors.dashboard_alerts):
# the page asks for them afresh and the panel caches itself under that rule's key.
LIVE_HOOKS = ("dashboard_panels",)


def patient_panels(*, user, patient) -> list[Panel]:
    """Plans with weekly adherence and pain (clinical roles only): three queries."""
    if not has_role(user, CLINICAL):
        return []
    episodes = open_episodes(patient=patient)
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
    version = selectors.dashboard_alerts_version(user=user)
    return [
        Panel(
            template="exercises/panels/dashboard_alerts.html",
            context=lambda: _alerts_context(selectors.dashboard_alerts(user=user, version=version)),
            order=20,
            cache_key=fragments.key("dashboard-alerts", version, user=user),
        )
    ]


DASHBOARD_ALERT_LIMIT = 25


def _alerts_context(alerts: list) -> dict:
    """The first alerts by patient name; the rest are counted (acknowledging brings them up)."""
    return {
        "alerts": alerts[:DASHBOARD_ALERT_LIMIT],
        "more_alerts": max(0, len(alerts) - DASHBOARD_ALERT_LIMIT),
    }
