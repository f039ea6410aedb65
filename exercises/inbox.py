"""Writes for the clinic's side of the inbox: acknowledging an alert about a patient's
exercise plan, and reading and replying to a patient's comment on a session log.

Split from services.py, which keeps the library, plans and what patients log; these are the
clinic's answers to what they log."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from exercises.models import (
    AlertAcknowledgement,
    CommentRead,
    CommentReply,
    ExercisePlan,
    SessionLog,
)

# --- Alerts ---------------------------------------------------------------------------


ACKNOWLEDGE_NOTE_MAX_LENGTH = 1000


def alert_acknowledge(
    *, plan: ExercisePlan, kind: str, period: dt.date, user, note: str
) -> AlertAcknowledgement:
    """Record who saw an alert, when, and their note of what they did; acknowledging twice
    keeps the first record. The note is required (ValidationError on "note" otherwise)."""
    if kind not in AlertAcknowledgement.Kind.values:
        raise ValidationError("Unknown alert.")
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "Write what you did about this alert."})
    if len(note) > ACKNOWLEDGE_NOTE_MAX_LENGTH:
        raise ValidationError(
            {"note": f"Keep the note under {ACKNOWLEDGE_NOTE_MAX_LENGTH} characters."}
        )
    acknowledgement, _ = AlertAcknowledgement.objects.get_or_create(
        plan=plan,
        kind=kind,
        period=period,
        defaults={"acknowledged_by": user, "acknowledged_at": timezone.now(), "note": note},
    )
    return acknowledgement


# --- Patients' comments and the clinic's replies ----------------------------------------

REPLY_MAX_LENGTH = 2000


def comment_mark_read(*, session_log: SessionLog, user) -> CommentRead:
    """Record who read a patient's comment and when; marking it again keeps the first record.
    The save is audited like every write about a patient (clinic.audit)."""
    read, _ = CommentRead.objects.get_or_create(
        session_log=session_log, defaults={"read_by": user, "read_at": timezone.now()}
    )
    return read


def comment_reply(*, session_log: SessionLog, user, body: str) -> CommentReply:
    """Store a reply to a patient's comment (append-only), mark the comment read, and have the
    patient told by the reminder pipeline that a message is waiting.

    The notification is a one-off schedule written in the same transaction as the reply, so it
    is never lost (the dispatcher finds it even if the broker or mail server is down now) and
    never sent twice (the pipeline's claim). It carries no clinical content.
    """
    from exercises.reminders import clinic_message_announce

    body = (body or "").strip()
    if not body:
        raise ValidationError("Write a reply before sending it.")
    if len(body) > REPLY_MAX_LENGTH:
        raise ValidationError(f"Keep the reply under {REPLY_MAX_LENGTH} characters.")
    with transaction.atomic():
        reply = CommentReply.objects.create(
            session_log=session_log, patient=session_log.patient, author=user, body=body
        )
        comment_mark_read(session_log=session_log, user=user)
        clinic_message_announce(patient=session_log.patient, at=reply.created_at)
    return reply
