"""What reminders add to pages other apps own (see clinic/panels.py).

Staff see the patient's latest reminders, with a link to the full delivery log, on the patient
page (one query); clinicians also see the texts the patient sent, with who read them and the
clinic's texts back (two queries).
"""

from __future__ import annotations

from clinic.access import CLINICAL, STAFF, has_role
from clinic.panels import Panel
from clinic.rows import prepared_list
from notifications.models import ReminderDelivery
from notifications.selectors import deliveries_for_patient, texts_from_patient
from patients.models import Patient

PATIENT_PANEL_LIMIT = 5


def _latest_deliveries(*, patient_id: int):
    return deliveries_for_patient(patient=Patient(pk=patient_id))[:PATIENT_PANEL_LIMIT]


def patient_panels(*, user, patient) -> list[Panel]:
    if not has_role(user, STAFF):
        return []
    return [
        Panel(
            template="notifications/panels/patient_reminders.html",
            context=lambda: {
                "patient": patient,
                "deliveries": prepared_list(
                    "notifications.panels.deliveries",
                    ReminderDelivery,
                    _latest_deliveries,
                    patient_id=patient.pk,
                ),
            },
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
