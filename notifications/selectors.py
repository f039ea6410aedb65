"""Reads for reminders, scoped by who is asking (the patient selectors do the scoping)."""

from __future__ import annotations

from collections import defaultdict

from django.core import signing
from django.db.models import (
    Case,
    Exists,
    F,
    Prefetch,
    QuerySet,
    Value,
    When,
    prefetch_related_objects,
)
from django.http import Http404

from clinic.access import CLINICAL, has_role
from clinic.models import beyond_name
from clinic.rows import prepared_list
from notifications.models import (
    ContactConsent,
    ReminderDelivery,
    ReminderSchedule,
    SmsInbound,
    SmsReply,
)
from notifications.schedules import UNSUBSCRIBE_SALT
from notifications.sources import get_source
from patients import page_rows


def reminder_sent(*, source: str, subject_id, channels: tuple[str, ...]) -> Exists:
    """For annotating a query of subjects (e.g. with `subject_id=OuterRef("pk")`): whether a
    reminder from `source` about the subject went out on one of `channels`. No query of its
    own; served by the one-schedule-per-subject constraint's index."""
    return Exists(
        ReminderDelivery.objects.filter(
            schedule__source=source,
            schedule__subject_id=subject_id,
            channel__in=channels,
            status=ReminderDelivery.Status.SENT,
        )
    )


def schedules_for_patient(*, patient, recurring_only: bool = False) -> list[ReminderSchedule]:
    schedules = ReminderSchedule.objects.filter(patient=patient).order_by("source", "-created_at")
    if recurring_only:
        schedules = schedules.filter(once_at__isnull=True, ended_at__isnull=True)
    return list(schedules)


def schedule_for_patient(*, patient, public_id) -> ReminderSchedule:
    """One of the patient's recurring schedules, the ones their settings page lists; 404 for
    anything else (another patient's, or a one-off appointment reminder)."""
    try:
        return ReminderSchedule.objects.get(
            patient=patient, public_id=public_id, once_at__isnull=True, ended_at__isnull=True
        )
    except (ReminderSchedule.DoesNotExist, ValueError):
        raise Http404("No such reminder schedule") from None


def schedule_labels(schedules: list[ReminderSchedule]) -> dict[int, str]:
    """A short label per schedule ("Exercise plan from 3 Nov 2026"): one query per source."""
    by_source: dict[str, list[ReminderSchedule]] = defaultdict(list)
    for schedule in schedules:
        by_source[schedule.source].append(schedule)
    labels: dict[int, str] = {}
    for name, group in by_source.items():
        source = get_source(name)
        described = source.describe([s.subject_id for s in group]) if source else {}
        for schedule in group:
            labels[schedule.pk] = described.get(schedule.subject_id) or (
                source.label if source else name
            )
    return labels


def schedule_from_unsubscribe_token(*, token: str) -> ReminderSchedule:
    """The schedule a signed unsubscribe link names; 404 for anything tampered with."""
    try:
        public_id = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        return ReminderSchedule.objects.select_related("patient").get(public_id=public_id)
    except (signing.BadSignature, ReminderSchedule.DoesNotExist, ValueError, TypeError):
        raise Http404("This link is not valid") from None


def deliveries_for_patient(*, patient, with_texts: bool = False) -> QuerySet[ReminderDelivery]:
    """Newest first; `with_texts` adds each one's text delivery log (one more query)."""
    deliveries = (
        ReminderDelivery.objects.filter(patient=patient)
        .select_related("schedule")
        .order_by("-due_at", "-id")
    )
    return deliveries.prefetch_related("sms_messages") if with_texts else deliveries


def deliveries_failed() -> QuerySet[ReminderDelivery]:
    return (
        ReminderDelivery.objects.filter(status=ReminderDelivery.Status.FAILED)
        .select_related("patient", "schedule")
        .prefetch_related("sms_messages")
        .order_by("-due_at", "-id")
    )


def sms_consent_history(*, patient, limit: int = 10) -> list[ContactConsent]:
    """The patient's latest changes of text-message consent, newest (the one in force) first."""
    return list(
        ContactConsent.objects.filter(patient=patient, channel=ReminderSchedule.Channel.SMS)
        .select_related("by")
        .order_by("-at", "-id")[:limit]
    )


_URGENT_FIRST = Case(
    When(urgency="emergency", then=Value(0)),
    When(urgency="same_day", then=Value(1)),
    default=Value(2),
).asc()


def _replies() -> Prefetch:
    """The clinic's texts back to a text, oldest first, and who sent them."""
    return Prefetch(
        "replies", queryset=SmsReply.objects.select_related("sent_by").order_by("created_at", "id")
    )


def _with_replies(texts: QuerySet[SmsInbound]) -> QuerySet[SmsInbound]:
    """Each text with the clinic's texts back, oldest first, and who sent them (one query)."""
    return texts.prefetch_related(_replies())


def sms_inbox() -> QuerySet[SmsInbound]:
    """Texts to the clinic the site could not act on, urgent first, then newest first, for
    reception; each with the clinic's texts back."""
    return _with_replies(
        SmsInbound.objects.filter(handled_at__isnull=True)
        .select_related("patient")
        .order_by(_URGENT_FIRST, "-received_at", "-id")
    )


def sms_inbox_item(*, public_id) -> SmsInbound:
    try:
        return SmsInbound.objects.select_related("patient").get(
            public_id=public_id, handled_at__isnull=True
        )
    except (SmsInbound.DoesNotExist, ValueError):
        raise Http404("No such text waiting") from None


def texts_for_clinicians() -> QuerySet[SmsInbound]:
    """Every matched patient's text that is not a keyword: what clinicians read. Unread
    first, then urgent first, then newest."""
    return (
        SmsInbound.objects.filter(for_clinician=True)
        .select_related("patient", "read_by")
        .order_by(F("read_at").asc(nulls_first=True), _URGENT_FIRST, "-received_at", "-id")
    )


PATIENT_TEXTS_LIMIT = 20


def texts_from_patient(*, user, patient) -> list[SmsInbound]:
    """The patient's latest texts with read marks and the clinic's texts back (two queries,
    the first compiled once per process: clinic/rows.py; one when there is no text).
    Clinical roles only: reception reads texts in its own queue."""
    if not has_role(user, CLINICAL):
        return []
    texts = page_rows.taken(patient, "notifications_texts_from_patient")
    if texts is None:
        texts = prepared_list(
            "notifications_texts_from_patient", SmsInbound, _texts_of, patient_id=patient.pk
        )
    if texts:  # most patients never text: no replies to look for (nor a queryset to build)
        prefetch_related_objects(texts, _replies())
    return texts


def _texts_of(*, patient_id: int):
    return (
        texts_for_clinicians()
        .filter(patient_id=patient_id)
        .defer(*beyond_name("read_by"))  # the panel says who read a text, by name
        .order_by("-received_at", "-id")[:PATIENT_TEXTS_LIMIT]
    )


def text_for_clinician(*, user, public_id) -> SmsInbound:
    """One patient's text a clinician may mark read; 404 for anyone else or anything else."""
    if not has_role(user, CLINICAL):
        raise Http404("No such text")
    try:
        return SmsInbound.objects.select_related("patient").get(
            public_id=public_id, for_clinician=True
        )
    except (SmsInbound.DoesNotExist, ValueError):
        raise Http404("No such text") from None
