"""Booking requests from new patients, and urgent pre-screen answers.

A request is never deleted: approving, declining or withdrawing it only changes its status
(simple-history keeps every version). An urgent pre-screen answer is not a request: nothing
was booked; it keeps the least a clinician needs to know that someone in danger tried to book
(which symptoms, which service they were sent to, and how to reach them).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from phonenumber_field.modelfields import PhoneNumberField
from simple_history.models import HistoricalRecords

from clinic.models import TimeStampedModel


class BookingRequest(TimeStampedModel):
    """A new patient asking for a first appointment; reception approves or declines it."""

    class Status(models.TextChoices):
        NEW = "new", "New"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"
        WITHDRAWN = "withdrawn", "Withdrawn"

    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    email = models.EmailField()
    phone = PhoneNumberField(help_text="Stored in international format.")
    sms_consent = models.BooleanField(default=False)
    # Weekday numbers (0 Monday to 6 Sunday) and parts of the day (bookings.selectors.PERIODS)
    # that suit; empty means any.
    days = models.JSONField(default=list, blank=True)
    periods = models.JSONField(default=list, blank=True)
    reason = models.CharField(max_length=300)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW)
    decline_reason = models.CharField(max_length=500, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    patient = models.ForeignKey(
        "patients.Patient",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="booking_requests",
    )
    appointment = models.OneToOneField(
        "bookings.Appointment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="booking_request",
    )
    # Set once, by the claim that sends the decision: the requester hears once.
    told_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["-created_at", "-id"], name="bookings_request_newest")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["new", "approved", "declined", "withdrawn"]),
                name="bookings_bookingrequest_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="approved")
                | Q(patient__isnull=False, appointment__isnull=False),
                name="bookings_bookingrequest_approved_has_appointment",
            ),
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(decline_reason=""),
                name="bookings_bookingrequest_declined_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Booking request {self.public_id} ({self.status})"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class UrgentScreen(TimeStampedModel):
    """Someone whose pre-screen answer needed urgent help: sent to a service, nothing booked.

    Clinicians see the symptoms; reception sees only that an attempt was redirected."""

    class Speed(models.TextChoices):
        EMERGENCY = "emergency", "A&E now (or 999)"
        SAME_DAY = "same_day", "A doctor today (GP or 111)"

    speed = models.CharField(max_length=16, choices=Speed.choices)
    # Codes from exercises.safety.SYMPTOMS answered "yes".
    symptoms = models.JSONField(default=list)
    # Whatever contact details were given (possibly none): how a clinician could check on them.
    name = models.CharField(max_length=201, blank=True)
    email = models.EmailField(blank=True)
    phone = PhoneNumberField(blank=True)
    seen_at = models.DateTimeField(null=True, blank=True)
    seen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(speed__in=["emergency", "same_day"]),
                name="bookings_urgentscreen_speed_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Urgent pre-screen {self.public_id} ({self.speed})"
