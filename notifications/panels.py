"""What reminders add to pages other apps own (see clinic/panels.py).

Inert until "notifications" is listed in clinic.panels.PANEL_APPS: then staff see the patient's
latest reminders, with a link to the full delivery log, on the patient page. One query.
"""

from __future__ import annotations

from clinic import fragments
from clinic.access import STAFF, has_role
from clinic.panels import Panel
from notifications.selectors import deliveries_for_patient

PATIENT_PANEL_LIMIT = 5
# Deliveries change state with QuerySet.update, which the patient page's cached body cannot see:
# the panel is rendered apart from it and cached under its own rows' update times.
LIVE_HOOKS = ("patient_panels",)


def patient_panels(*, user, patient) -> list[Panel]:
    if not has_role(user, STAFF):
        return []
    latest = deliveries_for_patient(patient=patient)[:PATIENT_PANEL_LIMIT]
    # Rendered again only when the rows shown are other rows or have changed since: a narrow
    # query decides, the rows themselves are loaded only to render.
    shown = latest.values_list("id", "updated_at")
    version = fragments.digest(",".join(f"{pk}@{at.timestamp()}" for pk, at in shown))
    return [
        Panel(
            template="notifications/panels/patient_reminders.html",
            context=lambda: {"patient": patient, "deliveries": list(latest)},
            order=60,
            cache_key=fragments.key(
                "patient-reminders", patient.pk, version, user=user, scopes=("staff",)
            ),
        )
    ]
