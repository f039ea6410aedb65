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
from collections.abc import Callable
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

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
    or 153 per part in GSM-7; 70 or 67 when it holds a character GSM-7 lacks (UCS-2)."""
    if not body:
        return 0
    single, multi = (160, 153) if _gsm7(body) else (70, 67)
    return 1 if len(body) <= single else -(-len(body) // multi)


_GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà^{}\\[~]|€"
)


def _gsm7(body: str) -> bool:
    return all(char in _GSM7 for char in body)


Enqueue = Callable[[int], None]


def sms_reply_create(
    *, inbound: SmsInbound, body: str, kind: str, enqueue: Enqueue, by=None
) -> SmsReply:
    """Add a text to the conversation; `enqueue(reply_id)` (the task module's) runs after the
    transaction commits. The automatic safety answer exists at most once per text (a
    database constraint)."""
    reply = SmsReply.objects.create(
        inbound=inbound,
        patient=inbound.patient,
        phone=inbound.phone,
        body=body[:REPLY_MAX_CHARS],
        kind=kind,
        sent_by=by,
    )
    transaction.on_commit(partial(enqueue, reply.pk))
    return reply


def sms_reception_reply(*, inbound: SmsInbound, body: str, by, enqueue: Enqueue) -> SmsReply:
    """Reception answers a patient's text from the site. The text goes only to a patient who
        agrees to texts: otherwise the reply is kept as "not sent" with the reason, and nothing is
        handed to the provider. Either way the patient's text is marked dealt with; the reply is
    audited as it is created (clinic/audit.py)."""
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
                inbound=inbound, body=body, kind=SmsReply.Kind.RECEPTION, by=by, enqueue=enqueue
            )
        now = timezone.now()
        SmsInbound.objects.filter(pk=inbound.pk, handled_at__isnull=True).update(
            handled_at=now, handled_by=by, action="answered by reception", updated_at=now
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
