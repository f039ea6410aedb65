"""Writes for reminder schedules: create, move, follow the patient, end, unsubscribe.

A schedule says when a subject's reminders fall due (`next_due_at`, kept by `_recompute`).
The services that own a subject call these explicitly: exercises publishes, resumes and
re-dates a plan (`exercises.reminders.plan_reminders_follow`), bookings books, moves, cancels
and restores an appointment (`bookings.reminders.appointment_reminder_follow`), patients
changes a time zone (`schedules_follow_patient`). Nothing here is triggered by a signal, and
nothing here queues a task.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from notifications import timing
from notifications.models import ALL_WEEKDAYS, ReminderSchedule
from notifications.sources import ReminderSource, all_sources, get_source, staff_source_names
from patients.models import Patient

# Settings saved now also catch a reminder due in the last minute that is not yet dispatched.
RECOMPUTE_LOOKBACK = dt.timedelta(minutes=1)
UNSUBSCRIBE_SALT = "notifications.unsubscribe"


def timing_kwargs(schedule: ReminderSchedule) -> dict:
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
    occurrence = timing.next_occurrence(after=after, **timing_kwargs(schedule))
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


def schedules_follow_patient(*, patient: Patient) -> int:
    """Move the patient's schedules to their time zone, keeping the local times; returns how
    many moved. One indexed query when nothing changed (the patient services call it on every
    save of the record)."""
    stale = list(
        ReminderSchedule.objects.filter(patient_id=patient.pk).exclude(time_zone=patient.time_zone)
    )
    now = timezone.now()
    for schedule in stale:
        schedule.time_zone, schedule.updated_at = patient.time_zone, now
        _recompute(schedule, now)
    if stale:
        ReminderSchedule.objects.bulk_update(stale, ["time_zone", "next_due_at", "updated_at"])
    return len(stale)


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
            schedules_follow_patient(patient=patient)  # the notices to the therapist too
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
