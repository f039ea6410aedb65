"""Consent to be contacted, per patient and channel, kept as a history (when, how, by whom).

UK rules (PECR): reminders by text go only to patients who agreed; a STOP withdraws consent at
once and is confirmed by one last text; START gives it again. The consent in force is the
latest row for the patient and channel; no row means no consent.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from notifications.models import ContactConsent, ReminderSchedule, SmsInbound
from patients.models import Patient

SMS = ReminderSchedule.Channel.SMS
How = ContactConsent.How

STOP_CONFIRMATION = (
    "Apex Clinic: you will get no more texts from us. Reply START to have them again."
)
START_CONFIRMATION = "Apex Clinic: texts from us are back on. Reply STOP at any time to stop them."


def consent_record(
    *,
    patient: Patient,
    channel: str,
    given: bool,
    how: str,
    by=None,
    evidence: str = "",
    at: dt.datetime | None = None,
) -> ContactConsent:
    """Add one change of consent to the patient's history; the latest one is in force."""
    return ContactConsent.objects.create(
        patient=patient,
        channel=channel,
        given=given,
        how=how,
        by=by,
        evidence=evidence[:160],
        at=at or timezone.now(),
    )


def sms_consenting(patient_ids: set[int]) -> set[int]:
    """Which of these patients agree to texts now: one query for any number of patients."""
    if not patient_ids:
        return set()
    latest = (
        ContactConsent.objects.filter(patient_id__in=patient_ids, channel=SMS)
        .order_by("patient_id", "-at", "-id")
        .distinct("patient_id")
        .values_list("patient_id", "given")
    )
    return {patient_id for patient_id, given in latest if given}


def sms_inbound_handle(
    *, provider_id: str, from_number: str, body: str, intent: str, now: dt.datetime | None = None
) -> str:
    """Record a text sent to the clinic and act on STOP or START; returns the one-line answer
    to text back ("" for none).

    The sender is matched by exact E.164 number only. A STOP withdraws text consent for every
    patient on that number (whoever holds the phone asked for silence); a START only when
    exactly one patient has the number. Anything else waits for reception. The same message
    reported twice (the provider retried) is acted on once.
    """
    now = now or timezone.now()
    patients = list(Patient.objects.filter(phone=from_number).order_by("pk")[:10])
    with transaction.atomic():
        inbound, created = SmsInbound.objects.get_or_create(
            provider_id=provider_id,
            defaults={
                "phone": from_number,
                "body": body[:1600],
                "received_at": now,
                "patient": patients[0] if len(patients) == 1 else None,
            },
        )
        if not created:
            return ""
        if intent == "stop" and patients:
            for patient in patients:
                consent_record(
                    patient=patient,
                    channel=SMS,
                    given=False,
                    how=How.REPLIED_STOP,
                    evidence=body,
                    at=now,
                )
            inbound.action = "opted out"
        elif intent == "start" and len(patients) == 1:
            consent_record(
                patient=patients[0],
                channel=SMS,
                given=True,
                how=How.REPLIED_START,
                evidence=body,
                at=now,
            )
            inbound.action = "opted in"
        else:
            return ""
        inbound.save(update_fields=["action", "updated_at"])
    return STOP_CONFIRMATION if intent == "stop" else START_CONFIRMATION
