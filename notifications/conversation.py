"""Texts the clinic sends back in a conversation with a patient: the automatic safety answer to
an urgent text, and reception's replies typed on the site.

Both go out through the SMS channel reminders use (validated E.164 number, the configured
provider, the delivery log) and are sent once: `sms_reply_send` claims the row with a
conditional UPDATE and records `handed_over_at` (committed) just before the provider is called;
an attempt that finds it set never sends again.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from clinic import audit
from notifications.channels import (
    CHANNELS,
    DeliveryError,
    HandoverRefused,
    OutgoingMessage,
    RecipientUnsubscribed,
    Unconfirmed,
)
from notifications.checks import claim_timeout
from notifications.consent import sms_carrier_opt_out, sms_consent_in_force
from notifications.models import SmsInbound, SmsMessage, SmsReply

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
REPLY_MAX_CHARS = 600
Status = SmsReply.Status
NOT_AGREED = (
    "Not sent: this patient has not agreed to texts or has replied STOP. Please ring them instead."
)


def segments(body: str) -> int:
    """How many SMS parts a text takes (what the provider charges): 160 characters in one part
    or 153 per part in GSM-7 (where ^{}[]~|\\ and the euro sign take two); 70 or 67 in UCS-2
    when it holds a character GSM-7 lacks (an emoji takes two there)."""
    if not body:
        return 0
    if all(char in _GSM7 or char in _GSM7_EXTENDED for char in body):
        units = len(body) + sum(char in _GSM7_EXTENDED for char in body)
        single, multi = 160, 153
    else:
        units = len(body.encode("utf-16-le")) // 2
        single, multi = 70, 67
    return 1 if units <= single else -(-units // multi)


_GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENDED = set("^{}\\[~]|€\f")

SEND_TASK = "notifications.send_sms_reply"


def sms_reply_publish(reply_id: int) -> None:
    """Queue the send task by its name (the task module sits above this one)."""
    current_app.send_task(SEND_TASK, args=(reply_id,), retry=False)


def sms_reply_enqueue(reply_id: int) -> None:
    """Queue one conversation text; with the broker down, send it now rather than not at all."""
    try:
        sms_reply_publish(reply_id)
    except Exception as exc:  # kombu and redis-py raise several connection error types
        logger.warning("Could not queue text reply %s, sending it now: %s", reply_id, exc)
        sms_reply_send(reply_id=reply_id)


def sms_reply_create(*, inbound: SmsInbound, body: str, kind: str, by=None) -> SmsReply:
    """Add a text to the conversation, queued once the transaction commits. The automatic
    safety answer exists at most once per text (a database constraint)."""
    reply = SmsReply.objects.create(
        inbound=inbound,
        patient=inbound.patient,
        phone=inbound.phone,
        body=body[:REPLY_MAX_CHARS],
        kind=kind,
        sent_by=by,
    )
    transaction.on_commit(partial(sms_reply_enqueue, reply.pk))
    return reply


def sms_reception_reply(*, inbound: SmsInbound, body: str, by) -> SmsReply:
    """Reception answers a patient's text from the site. The text goes only to a patient who
    agrees to texts: otherwise the reply is kept as "not sent" with the reason, and nothing is
    handed to the provider. Either way the patient's text is marked dealt with, and audited."""
    with transaction.atomic():
        if inbound.patient is None or not sms_consent_in_force(patient=inbound.patient):
            reply = SmsReply.objects.create(
                inbound=inbound,
                patient=inbound.patient,
                phone=inbound.phone,
                body=body[:REPLY_MAX_CHARS],
                kind=SmsReply.Kind.RECEPTION,
                sent_by=by,
                status=Status.REFUSED,
                reason=NOT_AGREED,
            )
        else:
            reply = sms_reply_create(
                inbound=inbound, body=body, kind=SmsReply.Kind.RECEPTION, by=by
            )
        now = timezone.now()
        SmsInbound.objects.filter(pk=inbound.pk, handled_at__isnull=True).update(
            handled_at=now, handled_by=by, action="answered by reception", updated_at=now
        )
        audit.record(
            "create",
            obj=reply,
            patient=inbound.patient,
            detail={"event": "sms_reply", "status": reply.status, "parts": segments(body)},
            user=by,
        )
    return reply


def _finish(reply_id: int, claimed_at: dt.datetime, status: str, **fields) -> bool:
    return bool(
        SmsReply.objects.filter(pk=reply_id, status=Status.SENDING, claimed_at=claimed_at).update(
            status=status, updated_at=timezone.now(), **fields
        )
    )


def sms_reply_send(*, reply_id: int, now: dt.datetime | None = None) -> int | None:
    """Claim one reply and send it. Safe to call any number of times, concurrently too.
    Returns seconds until a retry is worth it (a transient failure), else None."""
    now = now or timezone.now()
    claimable = Q(status=Status.PENDING) | Q(
        status=Status.SENDING, claimed_at__lt=now - claim_timeout()
    )
    if not SmsReply.objects.filter(claimable, pk=reply_id).update(
        status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1, updated_at=now
    ):
        return None
    reply = SmsReply.objects.select_related("patient").get(pk=reply_id)
    if reply.handed_over_at is not None:
        # An earlier sender stopped after handing it over: it may well have arrived.
        _finish(reply.pk, now, Status.SENT, reason="Not confirmed: the sender stopped.")
        return None
    if reply.kind == SmsReply.Kind.RECEPTION and (
        reply.patient is None or not sms_consent_in_force(patient=reply.patient)
    ):
        _finish(reply.pk, now, Status.REFUSED, reason=NOT_AGREED)
        return None

    def handover() -> bool:
        return bool(
            SmsReply.objects.filter(
                pk=reply.pk, status=Status.SENDING, claimed_at=now, handed_over_at__isnull=True
            ).update(handed_over_at=timezone.now())
        )

    message = OutgoingMessage(
        to_email="",
        to_phone=reply.phone,
        subject="",
        text="",
        html="",
        sms=reply.body,
        status_callback=settings.TWILIO_WEBHOOK_BASE_URL + reverse("notifications:sms_status"),
    )
    try:
        logged = CHANNELS["sms"].send(message, handover=handover)
    except HandoverRefused:
        return None
    except Unconfirmed as exc:
        _finish(reply.pk, now, Status.SENT, reason=f"Not confirmed: {exc}"[:300])
        return None
    except DeliveryError as exc:
        if isinstance(exc, RecipientUnsubscribed) and reply.patient_id:
            sms_carrier_opt_out(patient_id=reply.patient_id, reason=str(exc))
        if exc.transient and reply.attempts < MAX_ATTEMPTS:
            _finish(reply.pk, now, Status.PENDING, handed_over_at=None, reason=str(exc)[:300])
            return settings.REMINDER_RETRY_BASE_SECONDS * 2 ** (reply.attempts - 1)
        _finish(reply.pk, now, Status.FAILED, handed_over_at=None, reason=str(exc)[:300])
        return None
    SmsMessage.objects.filter(pk=logged.pk).update(kind=reply.kind, patient=reply.patient)
    _finish(reply.pk, now, Status.SENT, message=logged, reason="")
    return None


def sms_replies_overdue(*, now: dt.datetime | None = None, limit: int = 100) -> list[int]:
    """Replies whose send task was lost (the broker dropped it, or a retry could not be
    queued): still waiting after the longest retry delay, or claimed by a sender that stopped.
    The dispatcher queues them again every minute, so a reply is never left behind."""
    now = now or timezone.now()
    longest = dt.timedelta(seconds=settings.REMINDER_RETRY_BASE_SECONDS * 2**MAX_ATTEMPTS)
    return list(
        SmsReply.objects.filter(
            Q(status=Status.PENDING, updated_at__lt=now - longest)
            | Q(status=Status.SENDING, claimed_at__lt=now - claim_timeout())
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
