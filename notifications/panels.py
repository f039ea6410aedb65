"""What reminders add to pages other apps own (see clinic/panels.py).

Staff see the patient's latest reminders, with a link to the full delivery log, on the patient
page (one query); clinicians also see the texts the patient sent, with who read them and the
clinic's texts back (two queries).
"""

from __future__ import annotations

from clinic.access import CLINICAL, STAFF, has_role
from clinic.panels import Panel
from notifications.selectors import deliveries_for_patient, texts_from_patient

PATIENT_PANEL_LIMIT = 5


def patient_panels(*, user, patient) -> list[Panel]:
    if not has_role(user, STAFF):
        return []
    latest = deliveries_for_patient(patient=patient)[:PATIENT_PANEL_LIMIT]
    return [
        Panel(
            template="notifications/panels/patient_reminders.html",
            context=lambda: {"patient": patient, "deliveries": list(latest)},
            order=60,
        ),
        *(
            [
                Panel(
                    template="notifications/panels/patient_texts.html",
                    context=lambda: {
                        "patient": patient,
                        "texts": texts_from_patient(user=user, patient=patient),
                    },
                    order=43,
                )
            ]
            if has_role(user, CLINICAL)
            else []
        ),
    ]
