"""Writes for reminders: schedules, the dispatcher, the send step and unsubscribing.

The database is the source of truth for what must be sent. The dispatcher turns due schedules
into `ReminderDelivery` rows (one per schedule, local date and slot: a unique constraint), and
queues send tasks (SEND_BATCH pending rows each) after the transaction commits. If the broker
is down the rows simply stay pending, and the next cycle queues them again; the same sweep
re-queues rows stuck in "sending" after a worker died.

Never twice: a send task claims its rows (a batch) with one conditional UPDATE and a fresh
token, each row only if it is claimable, and records `handed_over_at` for each message
(conditional on that token, committed) immediately before that message's point of no return.
A later claimer that finds `handed_over_at` set does not send again. Never lost: any row
without `handed_over_at` is retried until it is sent, fails for good, or is too late to be
useful (then "missed"). Outcomes that sent nothing are recorded together at the end of a batch;
a crash before that leaves those rows "sending" without `handed_over_at`, so they are judged
and sent again after the claim timeout.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.core import signing
from django.db import connection, transaction
from django.db.models import F, Q
from django.template.backends.django import Template
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone

from notifications import timing
from notifications.channels import (
    CHANNELS,
    DeliveryError,
    HandoverRefused,
    OutgoingMessage,
    ServerUnreachable,
    Unconfirmed,
)
from notifications.models import ALL_WEEKDAYS, ReminderDelivery, ReminderSchedule
from notifications.sources import (
    Compose,
    Content,
    Due,
    ReminderSource,
    Skip,
    all_sources,
    get_source,
    staff_source_names,
)
from patients.models import Patient

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
DISPATCH_BATCH = 500
# Further back than this the dispatcher does not even record what it missed.
CATCH_UP_LIMIT = dt.timedelta(days=7)
# Settings saved now also catch a reminder due in the last minute that is not yet dispatched.
RECOMPUTE_LOOKBACK = dt.timedelta(minutes=1)
UNSUBSCRIBE_SALT = "notifications.unsubscribe"

Status = ReminderDelivery.Status


def _grace() -> dt.timedelta:
    return dt.timedelta(minutes=settings.REMINDER_GRACE_MINUTES)


def _claim_timeout() -> dt.timedelta:
    return dt.timedelta(seconds=settings.REMINDER_CLAIM_TIMEOUT_SECONDS)


# --- Schedules -----------------------------------------------------------------------------


def _timing_kwargs(schedule: ReminderSchedule) -> dict:
    return {
        "zone": schedule.zone,
        "times": schedule.local_times,
        "weekdays": schedule.weekdays,
        "quiet": schedule.quiet_hours,
        "paused_until": schedule.paused_until,
        "once_at": schedule.once_at,
    }


def schedule_next_due(*, schedule: ReminderSchedule, after: dt.datetime) -> dt.datetime | None:
    if not schedule.is_active:
        return None
    occurrence = timing.next_occurrence(after=after, **_timing_kwargs(schedule))
    return occurrence.due_at if occurrence else None


def _recompute(schedule: ReminderSchedule, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    schedule.next_due_at = schedule_next_due(schedule=schedule, after=now - RECOMPUTE_LOOKBACK)


def _defaults_for(patient: Patient, source: ReminderSource) -> dict:
    """A new schedule starts from the patient's latest settings for the same kind of reminder,
    then from any of their schedules (channel, quiet hours), then from the patient record. The
    time zone is always the patient's.
    """
    if source.audience == "staff":
        return {"patient": patient, "time_zone": patient.time_zone, "times": []}
    latest = (
        ReminderSchedule.objects.filter(patient=patient)
        .exclude(source__in=staff_source_names())
        .order_by("-updated_at")
        .first()
    )
    same = (
        ReminderSchedule.objects.filter(patient=patient, source=source.name)
        .order_by("-updated_at")
        .first()
    )
    base = same or latest
    channel = (
        ReminderSchedule.Channel.SMS
        if patient.preferred_contact == Patient.ContactChannel.SMS
        else ReminderSchedule.Channel.EMAIL
    )
    defaults = {
        "patient": patient,
        "time_zone": patient.time_zone,
        "channel": channel,
        "times": [moment.strftime("%H:%M") for moment in source.default_times]
        if source.recurring
        else [],
    }
    if base is not None:
        defaults.update(
            channel=base.channel,
            quiet_start=base.quiet_start,
            quiet_end=base.quiet_end,
        )
    if same is not None:
        defaults.update(
            times=same.times,
            weekdays=same.weekdays,
            paused_until=same.paused_until,
            unsubscribed_at=same.unsubscribed_at,
        )
    return defaults


def reminder_schedule_ensure(
    *, source: str, subject_id: int, patient: Patient, once_at: dt.datetime | None = None
) -> ReminderSchedule:
    """The subject's schedule, created from the patient's defaults when missing.

    Calling it again (the subject was re-activated, the appointment moved) revives an ended
    schedule and moves a one-off reminder; the settings a patient chose are kept.
    """
    reminder_source = get_source(source)
    if reminder_source is None:
        raise ValueError(f"No reminder source named {source!r}")
    with transaction.atomic():
        schedule = (
            ReminderSchedule.objects.select_for_update()
            .filter(source=source, subject_id=subject_id)
            .first()
        )
        if schedule is None:
            schedule = ReminderSchedule(
                source=source,
                subject_id=subject_id,
                once_at=once_at,
                **_defaults_for(patient, reminder_source),
            )
            _recompute(schedule)
            schedule.save()
            return schedule
        changed = schedule.ended_at is not None
        if not reminder_source.recurring and schedule.once_at != once_at:
            schedule.once_at = once_at
            changed = True
        if changed:
            schedule.ended_at = None
            _recompute(schedule)
            schedule.save(update_fields=["once_at", "ended_at", "next_due_at", "updated_at"])
        return schedule


def reminder_schedule_end(*, source: str, subject_id: int) -> None:
    """The subject is over (appointment cancelled): no more reminders for it."""
    now = timezone.now()
    ReminderSchedule.objects.filter(source=source, subject_id=subject_id).update(
        ended_at=now, next_due_at=None, updated_at=now
    )


def reminder_schedules_for_patient_ensure(*, patient: Patient) -> None:
    """Create any missing schedule for the patient's current subjects (portal first visit)."""
    for reminder_source in all_sources():
        subjects = reminder_source.subjects_for_patient(patient_id=patient.pk)
        known = set(
            ReminderSchedule.objects.filter(
                source=reminder_source.name, subject_id__in=[s.subject_id for s in subjects]
            ).values_list("subject_id", flat=True)
        )
        for subject in subjects:
            if subject.subject_id not in known:
                reminder_schedule_ensure(
                    source=reminder_source.name,
                    subject_id=subject.subject_id,
                    patient=patient,
                    once_at=subject.once_at,
                )


def schedules_follow_time_zone(*, schedules: list[ReminderSchedule], time_zone: str) -> None:
    """Move schedules to the patient's time zone, keeping their local times."""
    now = timezone.now()
    for schedule in schedules:
        schedule.time_zone = time_zone
        _recompute(schedule, now)
    ReminderSchedule.objects.bulk_update(schedules, ["time_zone", "next_due_at"])


def reminder_schedule_update(
    *,
    schedule: ReminderSchedule,
    enabled: bool,
    times: Iterable[dt.time],
    weekdays: Iterable[int],
    channel: str,
    time_zone: str,
    quiet_start: dt.time | None,
    quiet_end: dt.time | None,
    paused_until: dt.date | None,
) -> ReminderSchedule:
    """Save a patient's choices and recompute when the next reminder is due.

    Time zone, channel and quiet hours are about the person rather than the plan, so they
    apply to the patient's other schedules too; a new time zone is also saved on the patient
    record, the one place it is kept.
    """
    now = timezone.now()
    schedule.times = sorted({moment.strftime("%H:%M") for moment in times})
    schedule.weekdays = sum(1 << day for day in set(weekdays)) & ALL_WEEKDAYS
    schedule.channel = channel
    schedule.time_zone = time_zone
    schedule.quiet_start, schedule.quiet_end = quiet_start, quiet_end
    schedule.paused_until = paused_until
    if enabled:
        schedule.unsubscribed_at = None
    elif schedule.unsubscribed_at is None:
        schedule.unsubscribed_at = now
    with transaction.atomic():
        _recompute(schedule, now)
        schedule.save()
        others = list(
            ReminderSchedule.objects.select_for_update()
            .filter(patient_id=schedule.patient_id)
            .exclude(pk=schedule.pk)
            .exclude(source__in=staff_source_names())
        )
        for other in others:
            other.channel, other.time_zone = channel, time_zone
            other.quiet_start, other.quiet_end = quiet_start, quiet_end
            _recompute(other, now)
        ReminderSchedule.objects.bulk_update(
            others, ["channel", "time_zone", "quiet_start", "quiet_end", "next_due_at"]
        )
        patient = schedule.patient
        if patient.time_zone != time_zone:
            # Only this field: an unrelated invalid value on the record must not block it.
            patient.time_zone = time_zone
            patient.save(update_fields=["time_zone", "updated_at"])
    return schedule


def reminders_unsubscribe(*, schedule: ReminderSchedule) -> int:
    """Stop this kind of reminder for the patient: every schedule of the same source."""
    now = timezone.now()
    return ReminderSchedule.objects.filter(
        patient_id=schedule.patient_id, source=schedule.source, unsubscribed_at__isnull=True
    ).update(unsubscribed_at=now, next_due_at=None, updated_at=now)


def unsubscribe_token(*, schedule: ReminderSchedule) -> str:
    return signing.dumps(str(schedule.public_id), salt=UNSUBSCRIBE_SALT, compress=False)


def unsubscribe_url(*, schedule: ReminderSchedule) -> str:
    path = reverse("portal:reminders:unsubscribe", args=[unsubscribe_token(schedule=schedule)])
    return settings.SITE_URL + path


# --- Dispatcher ---------------------------------------------------------------------------


@dataclass
class DispatchResult:
    created: int = 0
    queued: int = 0
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    missed: int = 0
    requeued: int = 0
    retrying: int = 0
    outcomes: dict = field(default_factory=dict)
    # Once publishing fails, the rest of the cycle does not wait on the broker again.
    broker_down: bool = False


def _generic_skip(schedule: ReminderSchedule) -> Skip | None:
    source = get_source(schedule.source)
    if source is not None and source.audience == "staff":
        return None  # about the clinician's message, not the patient's reminders: the source judges
    patient = schedule.patient
    if patient.archived_at is not None:
        return Skip("The patient's record is archived.")
    if not patient.email_reminders_consent:
        return Skip("The patient has not consented to reminders.")
    if schedule.unsubscribed_at is not None:
        return Skip("The patient turned these reminders off.")
    if schedule.channel == ReminderSchedule.Channel.EMAIL and not patient.email:
        return Skip("No email address on file.")
    if schedule.channel == ReminderSchedule.Channel.SMS and not patient.phone:
        return Skip("No mobile number on file.")
    return None


def _judge(dues: list[tuple[ReminderSchedule, Due]]) -> list[Skip | None]:
    """The generic rules first, then each source on its remaining reminders, in batches."""
    verdicts: list[Skip | None] = [_generic_skip(schedule) for schedule, _ in dues]
    by_source: dict[str, list[int]] = defaultdict(list)
    for index, (schedule, _) in enumerate(dues):
        if verdicts[index] is None:
            by_source[schedule.source].append(index)
    for name, indexes in by_source.items():
        source = get_source(name)
        if source is None:
            for index in indexes:
                verdicts[index] = Skip("This kind of reminder is no longer available.", True)
            continue
        for index, verdict in zip(
            indexes, source.check([dues[index][1] for index in indexes]), strict=True
        ):
            verdicts[index] = verdict
    return verdicts


def _due(schedule: ReminderSchedule, occurrence: timing.Occurrence) -> Due:
    return Due(
        schedule_id=schedule.pk,
        subject_id=schedule.subject_id,
        patient_id=schedule.patient_id,
        local_date=occurrence.local_date,
        due_at=occurrence.due_at,
    )


def _sends_late(schedule: ReminderSchedule) -> bool:
    source = get_source(schedule.source)
    return source is not None and source.send_late


def _dispatch_batch(
    schedules: list[ReminderSchedule], now: dt.datetime, result: DispatchResult
) -> list[int]:
    grace = _grace()
    rows: list[ReminderDelivery] = []
    to_judge: list[tuple[ReminderSchedule, Due]] = []
    judged_rows: list[ReminderDelivery] = []
    for schedule in schedules:
        settings_kw = _timing_kwargs(schedule)
        if schedule.next_due_at < now - CATCH_UP_LIMIT:
            occurrence = timing.next_occurrence(after=now - CATCH_UP_LIMIT, **settings_kw)
        else:
            occurrence = timing.occurrence_at(schedule.next_due_at, schedule.zone)
        while occurrence is not None and occurrence.due_at <= now:
            row = ReminderDelivery(
                schedule=schedule,
                patient_id=schedule.patient_id,
                local_date=occurrence.local_date,
                slot=occurrence.slot,
                due_at=occurrence.due_at,
                channel=schedule.channel,
            )
            if now - occurrence.due_at > grace and not _sends_late(schedule):
                row.status = Status.MISSED
                row.reason = "The reminder service was not running when this was due."
            else:
                to_judge.append((schedule, _due(schedule, occurrence)))
                judged_rows.append(row)
            rows.append(row)
            occurrence = timing.next_occurrence(after=occurrence.due_at, **settings_kw)
        schedule.next_due_at = occurrence.due_at if occurrence else None
        if occurrence is None and schedule.once_at is not None:
            schedule.ended_at = now
    for row, (schedule, _), verdict in zip(judged_rows, to_judge, _judge(to_judge), strict=True):
        if verdict is not None:
            row.status, row.reason = Status.SKIPPED, verdict.reason[:200]
            if verdict.final:
                schedule.ended_at, schedule.next_due_at = now, None
    existing = set(
        ReminderDelivery.objects.filter(
            schedule_id__in=[schedule.pk for schedule in schedules],
            local_date__in={row.local_date for row in rows},
        ).values_list("schedule_id", "local_date", "slot")
    )
    new_rows = [row for row in rows if (row.schedule_id, row.local_date, row.slot) not in existing]
    ReminderDelivery.objects.bulk_create(new_rows)
    _schedules_advance(schedules)
    result.created += len(new_rows)
    result.skipped += sum(row.status == Status.SKIPPED for row in new_rows)
    result.missed += sum(row.status == Status.MISSED for row in new_rows)
    return [row.pk for row in new_rows if row.status == Status.PENDING]


def _schedules_advance(schedules: list[ReminderSchedule]) -> None:
    """Save each schedule's new next_due_at and ended_at: one UPDATE per distinct pair.

    Schedules due together mostly move on together (same zone, same time of day), so this is
    a handful of indexed updates where `bulk_update` builds a CASE over every row.
    """
    groups: dict[tuple, list[int]] = defaultdict(list)
    for schedule in schedules:
        groups[(schedule.next_due_at, schedule.ended_at)].append(schedule.pk)
    for (next_due_at, ended_at), ids in groups.items():
        ReminderSchedule.objects.filter(pk__in=ids).update(
            next_due_at=next_due_at, ended_at=ended_at
        )


# Reminders per send task. A batch is claimed, loaded, checked and composed in a few queries,
# so a bigger one spreads them thinner. It stays inside CELERY_TASK_SOFT_TIME_LIMIT with a dead
# mail server because it stops at the first unreachable-server error (one EMAIL_TIMEOUT wait).
SEND_BATCH = 25


def deliveries_enqueue(delivery_ids: list[int], result: DispatchResult | None = None) -> int:
    """Publish send tasks (SEND_BATCH deliveries each) over one broker connection.

    A broker failure is logged, not raised: the rows stay pending with no `queued_at`, and the
    next dispatcher cycle queues them again.
    """
    from notifications.tasks import send_reminder

    queued: list[int] = []
    if delivery_ids and not (result and result.broker_down):
        try:
            with send_reminder.app.producer_or_acquire() as producer:
                for start in range(0, len(delivery_ids), SEND_BATCH):
                    batch = tuple(delivery_ids[start : start + SEND_BATCH])
                    send_reminder.apply_async(batch, producer=producer, retry=False)
                    queued.extend(batch)
        except Exception as exc:  # kombu and redis-py raise several connection error types
            if result is not None:
                result.broker_down = True
            logger.warning(
                "Could not queue %d reminder(s), they stay pending for the next cycle: %s",
                len(delivery_ids) - len(queued),
                exc,
            )
    now = timezone.now()
    for start in range(0, len(queued), 500):
        ReminderDelivery.objects.filter(
            pk__in=queued[start : start + 500], status=Status.PENDING, queued_at__isnull=True
        ).update(queued_at=now)
    return len(queued)


def _enqueue_batch(delivery_ids: list[int], result: DispatchResult) -> None:
    result.queued += deliveries_enqueue(delivery_ids, result)


def _sweep(now: dt.datetime, result: DispatchResult) -> list[int]:
    """Mark rows too late to send as missed; return the ones that need (re-)queueing."""
    stale_before = now - _claim_timeout()
    abandoned = Q(status=Status.PENDING) | Q(status=Status.SENDING, claimed_at__lt=stale_before)
    late_sources = [source.name for source in all_sources() if source.send_late]
    result.missed += (
        ReminderDelivery.objects.filter(
            abandoned, due_at__lt=now - _grace(), handed_over_at__isnull=True
        )
        .exclude(schedule__source__in=late_sources)
        .update(
            status=Status.MISSED,
            reason="It could not be sent in time.",
            claim_token=None,
            updated_at=now,
        )
    )
    waiting = Q(status=Status.PENDING, due_at__lte=now) & (
        Q(queued_at__isnull=True) | Q(queued_at__lt=stale_before)
    )
    return list(
        ReminderDelivery.objects.filter(
            waiting | Q(status=Status.SENDING, claimed_at__lt=stale_before)
        )
        .order_by("due_at")
        .values_list("pk", flat=True)[:10_000]
    )


def schedules_due(*, now: dt.datetime):
    """The dispatcher's hot query: one batch of due schedules, locked, on the partial index.

    Call inside a transaction. Rows another dispatcher holds are skipped, not waited for.
    """
    return (
        ReminderSchedule.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("patient")
        .filter(next_due_at__lte=now)
        .order_by("next_due_at")[:DISPATCH_BATCH]
    )


def reminders_dispatch(*, now: dt.datetime | None = None, inline: bool = False) -> DispatchResult:
    """One dispatcher cycle: create every delivery due by `now` and get pending ones sent.

    With `inline` the sends happen here, one after another (the management command); otherwise
    they are queued for the workers after each batch commits. Safe to run twice, concurrently
    too: schedules are locked (and skipped when locked) and deliveries are unique per slot.
    """
    now = now or timezone.now()
    result = DispatchResult()
    while True:
        with transaction.atomic():
            schedules = list(schedules_due(now=now))
            if not schedules:
                break
            pending = _dispatch_batch(schedules, now, result)
            if not inline:
                transaction.on_commit(partial(_enqueue_batch, pending, result))
        if len(schedules) < DISPATCH_BATCH:
            break
    waiting = _sweep(now, result)
    if inline:
        for start in range(0, len(waiting), SEND_BATCH):
            batch = waiting[start : start + SEND_BATCH]
            for outcome in deliveries_send(delivery_ids=batch, now=now).values():
                result.outcomes[outcome.status] = result.outcomes.get(outcome.status, 0) + 1
        result.sent = result.outcomes.get(Status.SENT, 0)
        result.failed = result.outcomes.get(Status.FAILED, 0)
        result.skipped += result.outcomes.get(Status.SKIPPED, 0)
        result.missed += result.outcomes.get(Status.MISSED, 0)
        result.retrying = result.outcomes.get(Status.PENDING, 0)
    elif waiting:
        result.requeued = deliveries_enqueue(waiting, result)
    return result


# --- Sending ------------------------------------------------------------------------------


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
        to_phone=str(patient.phone or ""),
        subject=content.subject,
        text=text.render(context),
        html=html.render(context),
        sms=f"{content.sms} {context['action_url']} Stop: {unsubscribe}",
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    )


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
        dues.append((schedule, _due(schedule, occurrence)))
    return _judge(dues)


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

    Queries: claim, load, the rules (one or two per source), composition (one per source), one
    handover per message (which also records the previous one sent), and one UPDATE per kind
    of outcome at the end.
    When the mail server cannot be reached the batch stops and gives the rest back (pending,
    retried later), so a batch never waits EMAIL_TIMEOUT once per reminder.
    """
    now = now or timezone.now()
    outcomes = {delivery_id: SendOutcome("") for delivery_id in delivery_ids}
    token = uuid.uuid4()
    claimable = Q(status=Status.PENDING) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    ) | Q(status=Status.SENDING, claimed_at__lt=now - _claim_timeout())
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
        elif now - delivery.due_at > _grace() and not _sends_late(delivery.schedule):
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
