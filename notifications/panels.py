"""What reminders add to pages other apps own (see clinic/panels.py).

Staff see the patient's latest reminders, with a link to the full delivery log, on the patient
page (one query); clinicians also see the texts the patient sent, with who read them and the
clinic's texts back (two queries).
"""

from __future__ import annotations

from clinic.access import CLINICAL, STAFF, has_role
from clinic.panels import Panel
from clinic.rows import prepared_list
from notifications.models import ReminderDelivery, SmsInbound
from notifications.selectors import _texts_of, texts_from_patient
from patients import page_rows
from patients.page_rows import PageRead

PATIENT_PANEL_LIMIT = 5


def _latest_deliveries(*, patient_id: int):
    """What the panel draws of the latest deliveries, as values (reminder_tags.reminder_rows)."""
    return (
        ReminderDelivery.objects.filter(patient_id=patient_id)
        .order_by("-due_at", "-id")
        .values("local_date", "slot", "status", "reason")[:PATIENT_PANEL_LIMIT]
    )


def _patient_deliveries(patient) -> list:
    found = page_rows.taken(patient, "notifications.panels.deliveries")
    if found is not None:
        return found
    return prepared_list(
        "notifications.panels.deliveries",
        ReminderDelivery,
        _latest_deliveries,
        patient_id=patient.pk,
    )


def patient_page_reads(*, user, patient) -> list[PageRead]:
    """The reminders sent, for staff; the texts from the patient, for clinicians."""
    if not has_role(user, STAFF):
        return []
    reads = [PageRead("notifications.panels.deliveries", ReminderDelivery, _latest_deliveries)]
    if has_role(user, CLINICAL):
        reads.append(PageRead("notifications_texts_from_patient", SmsInbound, _texts_of))
    return reads


def patient_panels(*, user, patient) -> list[Panel]:
    if not has_role(user, STAFF):
        return []
    return [
        Panel(
            template="notifications/panels/patient_reminders.html",
            context=lambda: {
                "patient": patient,
                "deliveries": _patient_deliveries(patient),
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
