"""Whether a due reminder may go: the rules every reminder keeps, then its source's own.

Shared by the dispatcher (when a delivery is created) and the send step (checked again just
before sending, as the patient may have logged the session or opted out meanwhile).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings

from notifications import timing
from notifications.consent import sms_consenting
from notifications.models import ReminderSchedule
from notifications.sources import Due, Skip, get_source

NO_TEXT_CONSENT = "The patient has not agreed to text messages (or replied STOP)."


def grace() -> dt.timedelta:
    """How late a reminder may still go out; later it is "missed"."""
    return dt.timedelta(minutes=settings.REMINDER_GRACE_MINUTES)


def claim_timeout() -> dt.timedelta:
    """How long a claimed delivery stays its sender's before another may take it over."""
    return dt.timedelta(seconds=settings.REMINDER_CLAIM_TIMEOUT_SECONDS)


def _generic_skip(schedule: ReminderSchedule, texts_agreed: set[int]) -> Skip | None:
    source = get_source(schedule.source)
    if source is not None and source.audience == "staff":
        return None  # about the clinician's message, not the patient's reminders: the source judges
    patient = schedule.patient
    if patient.archived_at is not None:
        return Skip("The patient's record is archived.")
    if schedule.channel == ReminderSchedule.Channel.SMS:
        if not patient.phone:
            return Skip("No mobile number on file.")
        if patient.pk not in texts_agreed:
            return Skip(NO_TEXT_CONSENT)
    elif not patient.email_reminders_consent:
        return Skip("The patient has not consented to reminders.")
    if schedule.unsubscribed_at is not None:
        return Skip("The patient turned these reminders off.")
    if schedule.channel == ReminderSchedule.Channel.EMAIL and not patient.email:
        return Skip("No email address on file.")
    return None


def judge(dues: list[tuple[ReminderSchedule, Due]]) -> list[Skip | None]:
    """The generic rules first, then each source on its remaining reminders, in batches."""
    texts_agreed = sms_consenting(
        {s.patient_id for s, _ in dues if s.channel == ReminderSchedule.Channel.SMS}
    )
    verdicts: list[Skip | None] = [_generic_skip(schedule, texts_agreed) for schedule, _ in dues]
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


def due_for(schedule: ReminderSchedule, occurrence: timing.Occurrence) -> Due:
    return Due(
        schedule_id=schedule.pk,
        subject_id=schedule.subject_id,
        patient_id=schedule.patient_id,
        local_date=occurrence.local_date,
        due_at=occurrence.due_at,
    )


def sends_late(schedule: ReminderSchedule) -> bool:
    source = get_source(schedule.source)
    return source is not None and source.send_late
