"""What reminders add to pages other apps own (see clinic/panels.py).

Staff see the patient's latest reminders, with a link to the full delivery log, on the patient
page (one query); clinicians also see the texts the patient sent, with who read them and the
clinic's texts back (two queries).
"""

from __future__ import annotations

from django.utils.safestring import SafeString, mark_safe

from clinic.access import CLINICAL, STAFF, has_role
from clinic.filters import held_text
from clinic.links import held_urls
from clinic.markup import escape
from clinic.panels import Panel, template_text
from clinic.rows import prepared_list
from notifications.models import ReminderDelivery, SmsInbound
from notifications.selectors import _texts_of, texts_from_patient
from notifications.templatetags.reminder_tags import reminder_rows
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
            context=lambda: {
                "patient": patient,
                "deliveries": _patient_deliveries(patient),
            },
            order=60,
            draw=draw_reminders,
        ),
        *(
            [
                Panel(
                    context=lambda: {
                        "patient": patient,
                        "texts": texts_from_patient(user=user, patient=patient),
                    },
                    order=43,
                    draw=draw_texts,
                )
            ]
            if has_role(user, CLINICAL)
            else []
        ),
    ]


# The panels as notifications/panels/patient_reminders.html and patient_texts.html drew them
# (a test holds them together): the reminders in Python, the texts' empty state too (most
# patients never text); their list stays the template's.
_NO_REMINDERS = mark_safe(  # nosec B308 (a constant)
    '\n    <p class="text-body-secondary">No reminders yet.</p>\n    '
)


def draw_reminders(values: dict, csrf_token) -> str:
    """The "Reminders" panel: the latest deliveries (`reminder_rows`) or that there is none
    yet, and the link to the full log; drawn with f-strings, each value escaped where `html`
    escaped it."""
    deliveries, patient = values["deliveries"], values["patient"]
    listed = (
        '\n    <ul class="list-unstyled mb-2">\n'
        f"      {reminder_rows(deliveries, held_text(patient))}\n"
        "    </ul>\n    "
        if deliveries
        else _NO_REMINDERS
    )
    log = escape(held_urls(patient)("notifications:patient_log", patient.public_id))
    return SafeString(  # nosec B703 B308 (every value escaped)
        '<section class="card mb-3" aria-labelledby="reminders-heading">\n'
        '  <div class="card-body">\n'
        '    <h2 class="h5" id="reminders-heading">Reminders</h2>\n'
        f"    {listed}\n"
        f'    <a href="{log}">Full reminder log</a>\n'
        "  </div>\n"
        "</section>\n"
    )


def draw_texts(values: dict, csrf_token) -> str:
    """The "Texts from ..." panel: that there is none in Python, the texts by the template."""
    if values["texts"]:
        return template_text("notifications/panels/patient_texts.html", values, csrf_token)
    first_name = escape(values["patient"].first_name)
    return SafeString(  # nosec B703 B308 (the name escaped)
        '<section class="col-12" aria-labelledby="patient-texts-heading">\n'
        '  <div class="card">\n'
        '    <div class="card-body">\n'
        f'      <h2 class="h5" id="patient-texts-heading">Texts from {first_name}</h2>\n'
        "      \n"
        f'      <p class="text-body-secondary mb-0">No texts from {first_name}.</p>\n'
        "      \n"
        "    </div>\n"
        "  </div>\n"
        "</section>\n"
    )
