"""The delivery log of text messages: one row per message the provider accepted, moved on by
the provider's status reports, and a failed text put on the failed-reminders list."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from notifications.consent import sms_carrier_opt_out
from notifications.models import ReminderDelivery, SmsMessage
from notifications.sms import UNSUBSCRIBED_CODE

Status = SmsMessage.Status

# Twilio's statuses, in the order a message moves through them; a late report of an earlier
# status never moves a message back.
_PROVIDER_STATUS = {
    "accepted": Status.QUEUED,
    "scheduled": Status.QUEUED,
    "queued": Status.QUEUED,
    "sending": Status.QUEUED,
    "sent": Status.SENT,
    "delivered": Status.DELIVERED,
    "undelivered": Status.UNDELIVERED,
    "failed": Status.FAILED,
}
_RANK = {
    Status.QUEUED: 0,
    Status.SENT: 1,
    Status.DELIVERED: 2,
    Status.UNDELIVERED: 2,
    Status.FAILED: 2,
}

# What the commonest delivery error codes mean, for reception (Twilio's list, in our words).
ERROR_REASONS = {
    "30003": "the phone is switched off or out of reach",
    "30004": "the number blocks messages",
    "30005": "the number does not exist",
    "30006": "a landline or a network that cannot take texts",
    "30007": "the network filtered it as spam",
    "30008": "the network gave no reason",
    "21211": "the number is not valid",
    "21610": "the number has opted out (replied STOP)",
    "21614": "the number is not a mobile",
}


def _delivery(reference: str) -> ReminderDelivery | None:
    if not reference:
        return None
    try:
        return ReminderDelivery.objects.filter(public_id=reference).first()
    except (ValueError, TypeError):
        return None


def _message_for(*, provider_id: str, reference: str, to: str, now: dt.datetime) -> SmsMessage:
    """The log row for this provider id, created when missing (the status report may arrive
    before the send step has written it down, or be the only news of a message whose answer
    was lost)."""
    existing = SmsMessage.objects.filter(provider_id=provider_id).first()
    if existing is not None:
        return existing
    delivery = _delivery(reference)
    try:
        with transaction.atomic():
            return SmsMessage.objects.create(
                provider_id=provider_id,
                delivery=delivery,
                patient_id=delivery.patient_id if delivery else None,
                phone=to[:20],
                status_at=now,
            )
    except IntegrityError:  # written by the other side meanwhile
        return SmsMessage.objects.get(provider_id=provider_id)


def sms_message_record(*, reference: str, to: str, provider_id: str) -> SmsMessage:
    """Note a text the provider accepted (queued there), linked to its reminder delivery."""
    return _message_for(provider_id=provider_id, reference=reference, to=to, now=timezone.now())


def failure_reason(code: str) -> str:
    meaning = ERROR_REASONS.get(code)
    return f"Error {code}: {meaning}" if meaning else (f"Error {code}" if code else "")


def sms_status_update(
    *,
    provider_id: str,
    status: str,
    reference: str = "",
    to: str = "",
    error_code: str = "",
    error_message: str = "",
    now: dt.datetime | None = None,
) -> SmsMessage | None:
    """Apply the provider's report on one message. Reports may come twice or out of order: a
    message only moves forward. A failed or undelivered text marks its reminder failed, so it
    shows on the failed-reminders list with the provider's reason. Unknown statuses: None."""
    new = _PROVIDER_STATUS.get(status)
    if new is None or not provider_id:
        return None
    now = now or timezone.now()
    with transaction.atomic():
        message = _message_for(provider_id=provider_id, reference=reference, to=to, now=now)
        message = SmsMessage.objects.select_for_update().get(pk=message.pk)
        if _RANK[new] < _RANK[message.status] or (
            message.status in SmsMessage.FINAL and new != message.status
        ):
            return message
        message.status, message.status_at = new, now
        message.error_code = error_code[:12]
        message.error_message = (error_message or failure_reason(error_code))[:300]
        message.save(
            update_fields=["status", "status_at", "error_code", "error_message", "updated_at"]
        )
        if message.error_code == str(UNSUBSCRIBED_CODE) and message.patient_id:
            sms_carrier_opt_out(patient_id=message.patient_id, reason=message.error_message, at=now)
        if new in (Status.FAILED, Status.UNDELIVERED) and message.delivery_id:
            ReminderDelivery.objects.filter(
                pk=message.delivery_id, status=ReminderDelivery.Status.SENT
            ).update(
                status=ReminderDelivery.Status.FAILED,
                last_error=f"Text {message.get_status_display().lower()}: "
                f"{message.error_message or 'no reason given'}"[:500],
                updated_at=now,
            )
    return message
