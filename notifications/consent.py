"""Consent to be contacted, per patient and channel, kept as a history (when, how, by whom).

UK rules (PECR): reminders by text go only to patients who agreed; a STOP withdraws consent at
once and is confirmed by one last text; START gives it again. The consent in force is the
latest row for the patient and channel; no row means no consent.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from notifications.models import ContactConsent, ReminderSchedule
from patients.models import Patient

SMS = ReminderSchedule.Channel.SMS
How = ContactConsent.How

STOP_CONFIRMATION = (
    "Apex Clinic: you will get no more texts from us. Reply START to have them again."
)
START_CONFIRMATION = "Apex Clinic: texts from us are back on. Reply STOP at any time to stop them."
# What a patient agrees to by choosing text messages in the portal (kept with the consent).
PORTAL_SMS_AGREEMENT = (
    "By choosing text messages you agree that Apex Clinic may text your mobile with your "
    "reminders and about your appointments. Reply STOP to any text to stop them."
)


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


def sms_consent_in_force(*, patient: Patient) -> bool:
    return patient.pk in sms_consenting({patient.pk})


def sms_carrier_opt_out(*, patient_id: int, reason: str, at: dt.datetime | None = None) -> bool:
    """The provider refused a text because the recipient unsubscribed at the carrier (they
    texted STOP to the network): record the opt-out so nothing more is tried. True when this
    changed the consent in force (nothing is added when it was already withdrawn)."""
    if patient_id not in sms_consenting({patient_id}):
        return False
    ContactConsent.objects.create(
        patient_id=patient_id,
        channel=SMS,
        given=False,
        how=How.CARRIER,
        evidence=reason[:160],
        at=at or timezone.now(),
    )
    return True


def sms_consent_from_portal(*, patient: Patient, by, chose_sms: bool, was_sms: bool) -> None:
    """The patient chose (or un-chose) text messages for a reminder in the portal.

    Choosing texts records their consent (how "portal", by them, with the sentence they agreed
    to) unless it is already in force. Moving a reminder from texts to email withdraws it,
    once no other reminder of theirs still goes by text.
    """
    in_force = sms_consent_in_force(patient=patient)
    if chose_sms and not in_force:
        consent_record(
            patient=patient,
            channel=SMS,
            given=True,
            how=How.PORTAL,
            by=by,
            evidence=PORTAL_SMS_AGREEMENT,
        )
    elif was_sms and not chose_sms and in_force:
        still_texted = ReminderSchedule.objects.filter(
            patient=patient, channel=SMS, ended_at__isnull=True, unsubscribed_at__isnull=True
        ).exists()
        if not still_texted:
            consent_record(
                patient=patient,
                channel=SMS,
                given=False,
                how=How.PORTAL,
                by=by,
                evidence="Chose email instead of text messages in the portal.",
            )
