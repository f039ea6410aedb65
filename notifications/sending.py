"""The send step: claim deliveries, render each message, hand it over and record the outcome.

Never twice: a send task claims its rows (a batch) with one conditional UPDATE and a fresh
token, each row only if it is claimable, and records `handed_over_at` for each message
(conditional on that token, committed) immediately before that message's point of no return.
A later claimer that finds `handed_over_at` set does not send again. Never lost: any row
without `handed_over_at` is retried until it is sent, fails for good, or is too late to be
useful (then "missed"). Outcomes that sent nothing are recorded together at the end of a batch;
a crash before that leaves those rows "sending" without `handed_over_at`, so they are judged
and sent again after the claim timeout. Retries are queued by the caller (the send task) from
the outcomes returned here.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.db import connection
from django.db.models import F, Q
from django.template.backends.django import Template
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone
from phonenumber_field.phonenumber import PhoneNumber

from notifications import timing
from notifications.channels import (
    CHANNELS,
    DeliveryError,
    HandoverRefused,
    OutgoingMessage,
    RecipientUnsubscribed,
    ServerUnreachable,
    Unconfirmed,
)
from notifications.checks import (
    NO_TEXT_CONSENT,
    claim_timeout,
    due_for,
    grace,
    judge,
    sends_late,
)
from notifications.consent import sms_carrier_opt_out, sms_consenting
from notifications.models import ReminderDelivery, ReminderSchedule
from notifications.schedules import unsubscribe_url
from notifications.sms_budget import automatic_sms
from notifications.sources import Compose, Content, Skip, get_source

MAX_ATTEMPTS = 5
# Reminders per send task. A batch is claimed, loaded, checked and composed in a few queries,
# so a bigger one spreads them thinner. It stays inside CELERY_TASK_SOFT_TIME_LIMIT with a dead
# mail server because it stops at the first unreachable-server error (one EMAIL_TIMEOUT wait).
SEND_BATCH = 25

Status = ReminderDelivery.Status


@dataclass(frozen=True)
class SendOutcome:
    status: str  # the delivery's status afterwards, or "" when this call did not own it
    retry_in: int | None = None


def _message(
    delivery: ReminderDelivery,
    content: Content,
    *,
    source_label: str,
    settings_url: str,
    status_url: str,
    text: Template,
    html: Template,
) -> OutgoingMessage:
    schedule, patient = delivery.schedule, delivery.patient
    if content.to_email:
        return _staff_message(content)
    unsubscribe = unsubscribe_url(schedule=schedule)
    context = {
        "first_name": patient.first_name,
        "content": content,
        "action_url": settings.SITE_URL + content.action_path,
        "settings_url": settings_url,
        "unsubscribe_url": unsubscribe,
        "source_label": source_label,
    }
    return OutgoingMessage(
        to_email=patient.email,
        to_phone=_phone_text(patient.phone),
        subject=content.subject,
        text=text.render(context),
        html=html.render(context),
        sms=automatic_sms(content.sms, context["action_url"]),
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
        reference=str(delivery.public_id),
        status_callback=f"{status_url}?delivery={delivery.public_id}",
    )


def _phone_text(phone) -> str:
    """The number as stored when it is in international form (as the field stores it), else
    `str()`. Formatting a `PhoneNumber` first checks it against the numbering plans, a good
    part of writing an email reminder, which never uses the number; the text channel parses
    an international number without a region and checks it itself before anything goes out."""
    if isinstance(phone, PhoneNumber):
        if phone.raw_input and phone.raw_input.startswith("+"):
            return phone.raw_input
        return str(phone)
    return phone or ""


def _staff_message(content: Content) -> OutgoingMessage:
    """A message to a clinician: no unsubscribe (it is their work), no patient name."""
    context = {"content": content, "action_url": settings.SITE_URL + content.action_path}
    return OutgoingMessage(
        to_email=content.to_email,
        to_phone="",
        subject=content.subject,
        text=get_template("notifications/email/staff_alert.txt").render(context),
        html=get_template("notifications/email/staff_alert.html").render(context),
        sms="",
        headers={"Auto-Submitted": "auto-generated"},
    )


def deliveries_messages(*, deliveries: list[ReminderDelivery]) -> list[OutgoingMessage]:
    """The reminders as the patients will read them, in order: no clinical detail, ever.

    Each source writes its reminders in one call (`compose_many`, one query for the batch).
    """
    by_source: dict[str, list[int]] = defaultdict(list)
    for index, delivery in enumerate(deliveries):
        by_source[delivery.schedule.source].append(index)
    settings_url = settings.SITE_URL + reverse("portal:reminders:settings")
    status_url = settings.TWILIO_WEBHOOK_BASE_URL + reverse("notifications:sms_status")
    templates = {
        "text": get_template("notifications/email/reminder.txt"),
        "html": get_template("notifications/email/reminder.html"),
    }
    messages: list[OutgoingMessage | None] = [None] * len(deliveries)
    for name, indexes in by_source.items():
        source = get_source(name)
        requests = [
            Compose(
                subject_id=deliveries[index].schedule.subject_id,
                local_date=deliveries[index].local_date,
                first_name=deliveries[index].patient.first_name,
            )
            for index in indexes
        ]
        for index, content in zip(indexes, source.compose_many(requests), strict=True):
            messages[index] = _message(
                deliveries[index],
                content,
                source_label=source.label,
                settings_url=settings_url,
                status_url=status_url,
                **templates,
            )
    return messages


def delivery_message(*, delivery: ReminderDelivery) -> OutgoingMessage:
    """The reminder as the patient will read it: no clinical detail, ever."""
    return deliveries_messages(deliveries=[delivery])[0]


def _send_time_skips(deliveries: list[ReminderDelivery]) -> list[Skip | None]:
    """Re-check the rules: the patient may have logged the session or opted out meanwhile."""
    dues = []
    for delivery in deliveries:
        schedule = delivery.schedule
        occurrence = timing.occurrence_at(delivery.due_at, schedule.zone)
        dues.append((schedule, due_for(schedule, occurrence)))
    return judge(dues)


# The handover of one message, which also records the messages accepted before it as sent
# (their sent_at is their handover time). Every row only if this claim still owns it.
_HANDOVER_SQL = """
    UPDATE notifications_reminderdelivery SET
        status = CASE WHEN id = %s THEN status ELSE %s END,
        handed_over_at = CASE WHEN id = %s THEN %s ELSE handed_over_at END,
        sent_at = CASE WHEN id = %s THEN sent_at ELSE handed_over_at END,
        last_error = CASE WHEN id = %s THEN last_error ELSE '' END,
        claim_token = CASE WHEN id = %s THEN claim_token ELSE NULL END,
        updated_at = %s
    WHERE claim_token = %s AND status = %s AND id IN ({ids})
"""


def _db_value(name: str, value):
    return ReminderDelivery._meta.get_field(name).get_db_prep_value(value, connection)


class _Claim:
    """The deliveries one call claimed under one token; every write is conditional on it.

    A message the server accepted is recorded as sent in the same UPDATE as the next message's
    handover (or at the end), so that after a crash only the one in flight is "not confirmed".
    Other outcomes (skipped, missed, failed, to retry, unconfirmed) are recorded together at the
    end, one UPDATE per kind: if the worker dies first, those rows are still "sending", so they
    are claimed again later and judged by `handed_over_at` (never lost, never twice).
    """

    def __init__(self, token: uuid.UUID, now: dt.datetime) -> None:
        self.token, self.now = token, now
        self.outcomes: dict[int, SendOutcome] = {}
        self._accepted: list[int] = []
        self._pending: dict[tuple, list[int]] = defaultdict(list)
        self._retry_in: dict[tuple, int] = {}

    def mine(self, ids: list[int]):
        return ReminderDelivery.objects.filter(pk__in=ids, claim_token=self.token)

    def handover(self, delivery_id: int) -> bool:
        """Record the handover (committed) just before the point of no return; False if the
        claim was lost. Messages accepted since the last handover are recorded sent with it.

        Raw SQL because this runs once per message: the ORM takes longer to build this
        CASE than the database takes to run it.
        """
        stamp = timezone.now()
        accepted, self._accepted = self._accepted, []
        ids = [delivery_id, *accepted]
        with connection.cursor() as cursor:
            cursor.execute(
                _HANDOVER_SQL.format(ids=", ".join(["%s"] * len(ids))),
                [
                    delivery_id,
                    Status.SENT,
                    delivery_id,
                    _db_value("handed_over_at", stamp),
                    delivery_id,
                    delivery_id,
                    delivery_id,
                    _db_value("updated_at", self.now),
                    _db_value("claim_token", self.token),
                    Status.SENDING,
                    *ids,
                ],
            )
            count = cursor.rowcount
        if count == len(ids):
            self.outcomes.update((pk, SendOutcome(Status.SENT)) for pk in accepted)
            return True
        # Another worker took some of these over after the claim timeout: find out which.
        state = {
            pk: (token, at)
            for pk, token, at in ReminderDelivery.objects.filter(pk__in=ids).values_list(
                "pk", "claim_token", "handed_over_at"
            )
        }
        for pk in accepted:
            self.outcomes[pk] = SendOutcome(Status.SENT if state[pk][0] is None else "")
        return state[delivery_id] == (self.token, stamp)

    def sent(self, delivery_id: int) -> None:
        """The server accepted the message: recorded with the next handover or at the end."""
        self._accepted.append(delivery_id)

    def finish(self, delivery_ids: list[int], status: str, retry_in: int | None = None, **fields):
        """Note an outcome for `record` to write; `retry_in` when the task should queue a retry."""
        fields.setdefault("claim_token", None)
        if "last_error" in fields:
            fields["last_error"] = fields["last_error"][:500]
        key = (status, *sorted(fields.items(), key=lambda item: item[0]))
        self._pending[key].extend(delivery_ids)
        if retry_in is not None:
            self._retry_in[key] = retry_in

    def record(self) -> dict[int, SendOutcome]:
        if self._accepted:
            self.finish(self._accepted, Status.SENT, sent_at=F("handed_over_at"), last_error="")
            self._accepted = []
        for key, ids in self._pending.items():
            status, fields = key[0], dict(key[1:])
            count = self.mine(ids).update(status=status, updated_at=self.now, **fields)
            owned = set(ids)
            if count != len(ids):
                # Another worker took some of them over (after the claim timeout): they are its.
                owned = set(
                    ReminderDelivery.objects.filter(
                        pk__in=ids, status=status, claim_token=None, updated_at=self.now
                    ).values_list("pk", flat=True)
                )
            retry_in = self._retry_in.get(key)
            for delivery_id in ids:
                self.outcomes[delivery_id] = (
                    SendOutcome(status, retry_in) if delivery_id in owned else SendOutcome("")
                )
        self._pending.clear()
        return self.outcomes


def _failure(claim: _Claim, delivery: ReminderDelivery, exc: DeliveryError) -> int | None:
    """Record a failed send: a retry later (returns its delay) or failed for good."""
    if exc.transient and delivery.attempts < MAX_ATTEMPTS:
        delay = settings.REMINDER_RETRY_BASE_SECONDS * 2 ** (delivery.attempts - 1)
        retry_at = claim.now + dt.timedelta(seconds=delay)
        claim.finish(
            [delivery.pk],
            Status.PENDING,
            retry_in=delay,
            handed_over_at=None,
            next_attempt_at=retry_at,
            queued_at=retry_at,
            last_error=str(exc),
        )
        return delay
    claim.finish([delivery.pk], Status.FAILED, handed_over_at=None, last_error=str(exc))
    return None


def _release(claim: _Claim, deliveries: list[ReminderDelivery], delay: int) -> None:
    """Give back claimed deliveries this call did not try: pending again, the attempt undone."""
    if not deliveries:
        return
    retry_at = claim.now + dt.timedelta(seconds=delay)
    claim.finish(
        [delivery.pk for delivery in deliveries],
        Status.PENDING,
        retry_in=delay,
        attempts=F("attempts") - 1,
        next_attempt_at=retry_at if delay else None,
        queued_at=retry_at,
    )


def deliveries_send(
    *, delivery_ids: list[int], now: dt.datetime | None = None
) -> dict[int, SendOutcome]:
    """Claim a batch of deliveries, send them and record the outcomes. Safe to call any number
    of times, concurrently too: each row is claimed only if it is claimable, under a token.

    Returns each id's outcome: the status it ended in, with `retry_in` seconds when the caller
    should queue it again; an empty status when another worker owns or finished it.

    Queries: claim, load, the rules (one or two per source), composition (one per source), for
    a text its consent once more just before it goes (a STOP stops at once), one handover per
    message (which also records the previous one sent), and one UPDATE per kind
    of outcome at the end.
    When the mail server cannot be reached the batch stops and gives the rest back (pending,
    retried later), so a batch never waits EMAIL_TIMEOUT once per reminder.
    """
    now = now or timezone.now()
    outcomes = {delivery_id: SendOutcome("") for delivery_id in delivery_ids}
    token = uuid.uuid4()
    claimable = Q(status=Status.PENDING) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    ) | Q(status=Status.SENDING, claimed_at__lt=now - claim_timeout())
    claimed = ReminderDelivery.objects.filter(claimable, pk__in=delivery_ids).update(
        status=Status.SENDING,
        claim_token=token,
        claimed_at=now,
        attempts=F("attempts") + 1,
        updated_at=now,
    )
    if not claimed:
        return outcomes
    order = {delivery_id: index for index, delivery_id in enumerate(delivery_ids)}
    deliveries = sorted(
        ReminderDelivery.objects.select_related("schedule", "patient").filter(
            pk__in=delivery_ids, claim_token=token
        ),
        key=lambda delivery: order[delivery.pk],
    )
    claim = _Claim(token, now)
    to_judge: list[ReminderDelivery] = []
    for delivery in deliveries:
        if delivery.schedule.patient_id == delivery.patient_id:
            delivery.schedule.patient = delivery.patient  # the rules read it: spare a query
        if delivery.handed_over_at is not None:
            # A worker died after handing the message over: it may well have arrived, and a
            # duplicate costs more trust than a reminder that might be missing.
            claim.finish(
                [delivery.pk],
                Status.SENT,
                sent_at=delivery.handed_over_at,
                last_error="Not confirmed: the sender stopped after handing the message over.",
            )
        elif now - delivery.due_at > grace() and not sends_late(delivery.schedule):
            claim.finish([delivery.pk], Status.MISSED, reason="It could not be sent in time.")
        else:
            to_judge.append(delivery)
    to_send: list[ReminderDelivery] = []
    for delivery, skip in zip(to_judge, _send_time_skips(to_judge), strict=True):
        if skip is None:
            to_send.append(delivery)
        else:
            claim.finish([delivery.pk], Status.SKIPPED, reason=skip.reason[:200])
    messages = deliveries_messages(deliveries=to_send)
    # Leave time for the outcomes to be written before the task's soft time limit.
    deadline = time.monotonic() + settings.CELERY_TASK_SOFT_TIME_LIMIT / 2
    for index, (delivery, message) in enumerate(zip(to_send, messages, strict=True)):
        if time.monotonic() > deadline:
            _release(claim, to_send[index:], 0)
            break
        if delivery.channel == ReminderSchedule.Channel.SMS and not sms_consenting(
            {delivery.patient_id}
        ):
            # A STOP that came in while this batch was going out (its consent was checked
            # before the first text): asked again just before each text's point of no return.
            claim.finish([delivery.pk], Status.SKIPPED, reason=NO_TEXT_CONSENT)
            continue
        try:
            CHANNELS[delivery.channel].send(message, handover=partial(claim.handover, delivery.pk))
        except HandoverRefused:
            continue
        except Unconfirmed as exc:
            claim.finish(
                [delivery.pk],
                Status.SENT,
                sent_at=timezone.now(),
                last_error=f"Not confirmed: {exc}",
            )
        except DeliveryError as exc:
            if isinstance(exc, RecipientUnsubscribed):
                sms_carrier_opt_out(patient_id=delivery.patient_id, reason=str(exc))
            delay = _failure(claim, delivery, exc)
            if isinstance(exc, ServerUnreachable):
                # The next message would wait for the same dead server: try them all later.
                _release(claim, to_send[index + 1 :], delay or settings.REMINDER_RETRY_BASE_SECONDS)
                break
        else:
            claim.sent(delivery.pk)
    outcomes.update(claim.record())
    return outcomes


def delivery_send(*, delivery_id: int, now: dt.datetime | None = None) -> SendOutcome:
    """Claim one delivery, send it and record the outcome (see `deliveries_send`)."""
    return deliveries_send(delivery_ids=[delivery_id], now=now)[delivery_id]
