"""Texts sent to the clinic's number: STOP and START change consent at once, Y and N answer the
appointment reminder, anything else waits in reception's queue; a patient's other texts also
reach their clinician, and an urgent one is answered at once with where to get help."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from notifications.consent import (
    SMS,
    START_CONFIRMATION,
    STOP_CONFIRMATION,
    How,
    consent_record,
)
from notifications.conversation import sms_reply_create
from notifications.models import SmsInbound, SmsReply
from notifications.replies import reply_handle, text_screen
from patients.models import Patient


def sms_inbound_handle(
    *,
    provider_id: str,
    from_number: str,
    body: str,
    intent: str,
    now: dt.datetime | None = None,
) -> str:
    """Record a text sent to the clinic and act on it; returns the one-line answer to text
    back ("" for none).

    The sender is matched by exact E.164 number only. A STOP withdraws text consent for every
    patient on that number (whoever holds the phone asked for silence); START, Y and N act
    only when exactly one patient has the number. Anything else waits for reception. The same
    message reported twice (the provider retried) is acted on once.

    Any text that is not a keyword is screened for urgent symptoms (the registered screens,
    see notifications/replies.py). From a matched patient it is also for their clinician to
    read, and when urgent the patient gets one automatic text naming the service to use
    (queued after commit) while the screen alerts the clinician. From a number
    that is not one patient's it is only marked urgent for reception: never matched by guess.
    """
    now = now or timezone.now()
    patients = list(Patient.objects.filter(phone=from_number).order_by("pk")[:10])
    only = patients[0] if len(patients) == 1 else None
    with transaction.atomic():
        inbound, created = SmsInbound.objects.get_or_create(
            provider_id=provider_id,
            defaults={
                "phone": from_number,
                "body": body[:1600],
                "received_at": now,
                "patient": only,
            },
        )
        if not created:
            return ""
        answer = ""
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
            inbound.action, answer = "opted out", STOP_CONFIRMATION
        elif intent == "start" and only is not None:
            consent_record(
                patient=only, channel=SMS, given=True, how=How.REPLIED_START, evidence=body, at=now
            )
            inbound.action, answer = "opted in", START_CONFIRMATION
        elif intent in ("yes", "no") and only is not None:
            handled = reply_handle(patient=only, intent=intent, now=now)
            if handled is not None:
                inbound.action, answer = handled.action[:32], handled.answer
        if inbound.action:
            inbound.handled_at = now
            inbound.save(update_fields=["action", "handled_at", "updated_at"])
        elif not intent:
            _screen(inbound, only, now)
    return answer


def _screen(inbound: SmsInbound, patient, now: dt.datetime) -> None:
    screened = text_screen(patient=patient, inbound=inbound, now=now)
    inbound.for_clinician = patient is not None
    inbound.urgency = screened.urgency if screened else ""
    inbound.save(update_fields=["for_clinician", "urgency", "updated_at"])
    if screened is not None and patient is not None:
        sms_reply_create(inbound=inbound, body=screened.answer, kind=SmsReply.Kind.SAFETY)


def sms_inbound_done(*, inbound: SmsInbound, by) -> None:
    """Reception has dealt with the text (rang the patient, moved the appointment)."""
    SmsInbound.objects.filter(pk=inbound.pk, handled_at__isnull=True).update(
        handled_at=timezone.now(), handled_by=by, action="read by reception"
    )


def sms_text_read(*, inbound: SmsInbound, by) -> bool:
    """A clinician has read the patient's text: who and when, once (the first reader)."""
    now = timezone.now()
    return bool(
        SmsInbound.objects.filter(pk=inbound.pk, read_at__isnull=True).update(
            read_at=now, read_by=by, updated_at=now
        )
    )
