"""Reminder schedules and the record of every reminder the clinic sent, skipped or missed.

The app knows nothing about exercise plans or appointments: a schedule points at its subject
generically (a registered source name plus the subject's id), and the source answers the
questions only it can (is today's session logged? what goes in the message?).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import models
from django.db.models import Q

from clinic.models import TimeStampedModel
from clinic.validators import validate_time_zone

ALL_WEEKDAYS = 0b1111111  # bit 0 is Monday, bit 6 Sunday


class ReminderSchedule(TimeStampedModel):
    """When to remind one patient about one subject (an exercise plan, an appointment).

    `next_due_at` is the next moment a reminder is due, in UTC, recomputed whenever the settings
    change and after every dispatch. The dispatcher's only query is "next_due_at <= now" on its
    index, so the cost does not grow with the number of quiet schedules.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", "Email"
        SMS = "sms", "Text message"

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="reminder_schedules"
    )
    source = models.CharField(max_length=32)
    subject_id = models.PositiveBigIntegerField()
    # Local times of day as "HH:MM" strings, sorted; empty for one-off reminders.
    times = models.JSONField(default=list, blank=True)
    weekdays = models.PositiveSmallIntegerField(default=ALL_WEEKDAYS)
    # A one-off reminder (an appointment's) fires once at this moment instead of on `times`.
    once_at = models.DateTimeField(null=True, blank=True)
    channel = models.CharField(max_length=8, choices=Channel.choices, default=Channel.EMAIL)
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    quiet_start = models.TimeField(null=True, blank=True)
    quiet_end = models.TimeField(null=True, blank=True)
    paused_until = models.DateField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    # Set when the subject is over (plan completed, appointment reminded): no more reminders.
    ended_at = models.DateTimeField(null=True, blank=True)
    next_due_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["patient_id", "source", "-created_at"]
        indexes = [
            models.Index(
                fields=["next_due_at"],
                condition=Q(next_due_at__isnull=False),
                name="notifications_schedule_due",
            ),
            models.Index(fields=["patient", "source"], name="notifications_schedule_patient"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "subject_id"],
                name="notifications_reminderschedule_one_per_subject",
            ),
            models.CheckConstraint(
                condition=Q(channel__in=["email", "sms"]),
                name="notifications_reminderschedule_channel_valid",
            ),
            models.CheckConstraint(
                condition=Q(weekdays__gte=0, weekdays__lte=ALL_WEEKDAYS),
                name="notifications_reminderschedule_weekdays_valid",
            ),
            models.CheckConstraint(
                condition=(Q(quiet_start__isnull=True) & Q(quiet_end__isnull=True))
                | (
                    Q(quiet_start__isnull=False, quiet_end__isnull=False)
                    & ~Q(quiet_start=models.F("quiet_end"))
                ),
                name="notifications_reminderschedule_quiet_hours_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} reminders for patient {self.patient_id}"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def local_times(self) -> list[dt.time]:
        return sorted(dt.time.fromisoformat(value) for value in self.times)

    @property
    def quiet_hours(self) -> tuple[dt.time, dt.time] | None:
        if self.quiet_start is None or self.quiet_end is None:
            return None
        return (self.quiet_start, self.quiet_end)

    @property
    def weekday_numbers(self) -> list[int]:
        return [day for day in range(7) if self.weekdays & (1 << day)]

    @property
    def is_active(self) -> bool:
        return self.unsubscribed_at is None and self.ended_at is None


class ReminderDelivery(TimeStampedModel):
    """One reminder for one schedule, local date and time slot: the idempotency key.

    A send task claims a pending delivery with a conditional UPDATE (pending -> sending, with a
    fresh claim token); every later write is conditional on that token, so a worker that lost
    its claim can never overwrite the outcome.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped"
        MISSED = "missed", "Missed"

    OPEN_STATUSES = (Status.PENDING, Status.SENDING)

    schedule = models.ForeignKey(
        ReminderSchedule, on_delete=models.PROTECT, related_name="deliveries"
    )
    # Denormalised from the schedule so a patient's log is one indexed query.
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="reminder_deliveries"
    )
    local_date = models.DateField()
    slot = models.TimeField(help_text="Local wall-clock time the reminder was due.")
    due_at = models.DateTimeField()
    channel = models.CharField(max_length=8, choices=ReminderSchedule.Channel.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # Written (and committed) just before the message is irrevocably handed to the mail
    # server: a later claimer that finds it set must not send again.
    handed_over_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-due_at", "-id"]
        verbose_name_plural = "reminder deliveries"
        indexes = [
            models.Index(fields=["patient", "-due_at"], name="notifications_delivery_patient"),
            models.Index(
                fields=["status", "queued_at"],
                condition=Q(status__in=["pending", "sending"]),
                name="notifications_delivery_open",
            ),
            models.Index(
                fields=["-due_at"],
                condition=Q(status="failed"),
                name="notifications_delivery_failed",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "local_date", "slot"],
                name="notifications_reminderdelivery_once_per_slot",
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=["pending", "sending", "sent", "failed", "skipped", "missed"]
                ),
                name="notifications_reminderdelivery_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(channel__in=["email", "sms"]),
                name="notifications_reminderdelivery_channel_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
                name="notifications_reminderdelivery_sent_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"Reminder {self.local_date} {self.slot:%H:%M} ({self.status})"


class ContactConsent(TimeStampedModel):
    """One change of a patient's consent to be contacted on a channel: never edited, never
    deleted. The latest row per patient and channel is the consent in force (UK PECR: texts
    only to patients who agreed; STOP withdraws at once)."""

    class How(models.TextChoices):
        IN_PERSON = "in_person", "Told reception in person"
        PHONE = "phone", "Told reception by phone"
        WRITTEN = "written", "Signed or written request"
        REPLIED_STOP = "replied_stop", "Patient replied STOP"
        REPLIED_START = "replied_start", "Patient replied START"
        PROVIDER = "provider", "The SMS provider reported an opt-out"
        PORTAL = "portal", "Chose texts in the portal"
        CARRIER = "carrier", "Carrier said unsubscribed"

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="contact_consents"
    )
    channel = models.CharField(max_length=8, choices=ReminderSchedule.Channel.choices)
    given = models.BooleanField()
    at = models.DateTimeField()
    how = models.CharField(max_length=16, choices=How.choices)
    by = models.ForeignKey(
        "clinic.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The message that carried a reply (STOP, START), for the record.
    evidence = models.CharField(max_length=160, blank=True)

    class Meta:
        ordering = ["patient_id", "channel", "-at", "-id"]
        indexes = [
            models.Index(fields=["patient", "channel", "-at"], name="notifications_consent_latest")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(channel__in=["email", "sms"]),
                name="notifications_contactconsent_channel_valid",
            ),
            models.CheckConstraint(
                condition=Q(
                    how__in=[
                        "in_person",
                        "phone",
                        "written",
                        "replied_stop",
                        "replied_start",
                        "provider",
                        "portal",
                        "carrier",
                    ]
                ),
                name="notifications_contactconsent_how_valid",
            ),
        ]

    def __str__(self) -> str:
        verb = "agreed to" if self.given else "withdrew from"
        return f"Patient {self.patient_id} {verb} {self.channel} on {self.at:%Y-%m-%d}"


class SmsMessage(TimeStampedModel):
    """The delivery log of one text the provider accepted: its id there and the latest status
    it reported (queued, sent, delivered, or failed with its code and reason)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued at the provider"
        SENT = "sent", "Sent to the network"
        DELIVERED = "delivered", "Delivered"
        UNDELIVERED = "undelivered", "Not delivered"
        FAILED = "failed", "Failed"

    FINAL = (Status.DELIVERED, Status.UNDELIVERED, Status.FAILED)

    delivery = models.ForeignKey(
        ReminderDelivery,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sms_messages",
    )
    patient = models.ForeignKey(
        "patients.Patient",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sms_messages",
    )
    # Named like the patient's own field so erasing a patient blanks it (patients/privacy.py).
    phone = models.CharField(max_length=20)
    provider_id = models.CharField(max_length=64, unique=True)
    # A reminder, or the one-line answer to a STOP or START.
    kind = models.CharField(max_length=16, default="reminder")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    status_at = models.DateTimeField()
    error_code = models.CharField(max_length=12, blank=True)
    error_message = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "sent", "delivered", "undelivered", "failed"]),
                name="notifications_smsmessage_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"SMS {self.provider_id} ({self.status})"


class SmsInbound(TimeStampedModel):
    """A text a patient (or anyone) sent to the clinic's number, as the provider reported it."""

    provider_id = models.CharField(max_length=64, unique=True)
    phone = models.CharField(max_length=20, help_text="The number it came from.")
    body = models.CharField(max_length=1600)
    received_at = models.DateTimeField()
    # Only when exactly one patient has this number: never matched by guess.
    patient = models.ForeignKey(
        "patients.Patient",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sms_replies",
    )
    # What the site did with it ("opted out", "confirmed …"), or "" for reception to read.
    action = models.CharField(max_length=32, blank=True)
    # A matched patient's text that is not a keyword: their clinician reads it too.
    for_clinician = models.BooleanField(default=False)
    # What the safety screen found (exercises/text_safety.py): "emergency", "same_day" or "".
    urgency = models.CharField(max_length=12, blank=True)
    # The clinician who read it, and when (reception's `handled_*` is separate).
    read_by = models.ForeignKey(
        "clinic.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    read_at = models.DateTimeField(null=True, blank=True)
    # Set when the site acted on it, or when reception has dealt with it: off the queue.
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        "clinic.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(
                fields=["-received_at"],
                condition=Q(handled_at__isnull=True),
                name="notifications_inbound_queue",
            ),
            models.Index(
                fields=["patient", "-received_at"],
                condition=Q(for_clinician=True),
                name="notifications_inbound_clin",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(urgency__in=["", "emergency", "same_day"]),
                name="notifications_smsinbound_urgency_valid",
            ),
            models.CheckConstraint(
                condition=Q(read_at__isnull=True) | Q(read_by__isnull=False),
                name="notifications_smsinbound_read_has_reader",
            ),
        ]

    def __str__(self) -> str:
        return f"Text from ...{self.phone[-3:]} at {self.received_at:%Y-%m-%d %H:%M}"


class SmsReply(TimeStampedModel):
    """A text the clinic sends back in a conversation: the automatic safety answer to an urgent
    text, or reception's reply typed on the site. Sent once: a send claims the row with a
    conditional UPDATE and records `handed_over_at` before the provider is called, so a later
    attempt that finds it set never sends again."""

    class Kind(models.TextChoices):
        SAFETY = "safety", "Automatic safety answer"
        RECEPTION = "reception", "Reply from reception"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        REFUSED = "refused", "Not sent"

    inbound = models.ForeignKey(SmsInbound, on_delete=models.PROTECT, related_name="replies")
    patient = models.ForeignKey(
        "patients.Patient",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sms_answers",
    )
    phone = models.CharField(max_length=20)
    body = models.CharField(max_length=600)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    sent_by = models.ForeignKey(
        "clinic.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    # Why it failed or was not sent, in words for reception.
    reason = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    handed_over_at = models.DateTimeField(null=True, blank=True)
    message = models.OneToOneField(
        SmsMessage, on_delete=models.PROTECT, null=True, blank=True, related_name="reply"
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "SMS replies"
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["safety", "reception"]),
                name="notifications_smsreply_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "sending", "sent", "failed", "refused"]),
                name="notifications_smsreply_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(body=""), name="notifications_smsreply_body_not_empty"
            ),
            # The automatic safety answer goes once per text, whatever retries or races.
            models.UniqueConstraint(
                fields=["inbound"],
                condition=Q(kind="safety"),
                name="notifications_smsreply_one_safety_answer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.status})"
