"""Waitlist entries and the offers of freed slots made to them.

An entry is never deleted: reception removing it, or the patient taking a slot, only changes
its status (simple-history keeps every version). An offer is one freed slot offered to one
entry for a limited time; at most one open offer per entry (a partial unique constraint).
"""

from __future__ import annotations

import calendar
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from clinic.models import TimeStampedModel
from clinic.sites import default_site_id


def new_offer_token() -> str:
    return secrets.token_urlsafe(32)


class WaitlistEntry(TimeStampedModel):
    """A patient who would take an earlier appointment of a given type."""

    class Status(models.TextChoices):
        WAITING = "waiting", "Waiting"
        BOOKED = "booked", "Booked from the waitlist"
        REMOVED = "removed", "Taken off the waitlist"

    class Urgency(models.TextChoices):
        ROUTINE = "routine", "Routine"
        SOON = "soon", "Soon"
        URGENT = "urgent", "Urgent"

    #: Higher goes first.
    URGENCY_RANK = {Urgency.ROUTINE: 0, Urgency.SOON: 1, Urgency.URGENT: 2}

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="waitlist_entries"
    )
    # Empty: any therapist will do.
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="waitlist_entries",
        limit_choices_to={"role": "therapist"},
    )
    appointment_type = models.ForeignKey(
        "bookings.AppointmentType", on_delete=models.PROTECT, related_name="waitlist_entries"
    )
    # Empty: any site will do (issue 19).
    site = models.ForeignKey(
        "clinic.Site", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Weekday numbers (0 Monday to 6 Sunday) and parts of the day (bookings.selectors.PERIODS)
    # that suit; empty means any.
    days = models.JSONField(default=list, blank=True)
    periods = models.JSONField(default=list, blank=True)
    available_from = models.DateField()
    available_until = models.DateField(null=True, blank=True)
    urgency = models.CharField(max_length=8, choices=Urgency.choices, default=Urgency.ROUTINE)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.WAITING)
    note = models.CharField(max_length=200, blank=True)
    # When the patient joined the list: "longest waiting first" counts from here.
    waiting_since = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["waiting_since", "id"]
        verbose_name_plural = "waitlist entries"
        indexes = [
            models.Index(
                fields=["waiting_since"],
                condition=Q(status="waiting"),
                name="bookings_waitlist_waiting",
            ),
            models.Index(fields=["patient", "status"], name="bookings_waitlist_patient"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["waiting", "booked", "removed"]),
                name="bookings_waitlistentry_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(urgency__in=["routine", "soon", "urgent"]),
                name="bookings_waitlistentry_urgency_valid",
            ),
            models.CheckConstraint(
                condition=Q(available_until__isnull=True)
                | Q(available_until__gte=models.F("available_from")),
                name="bookings_waitlistentry_until_after_from",
            ),
        ]

    def __str__(self) -> str:
        return f"Waitlist: {self.patient} ({self.get_status_display()})"

    @property
    def urgency_rank(self) -> int:
        return self.URGENCY_RANK[self.urgency]

    @property
    def suits_label(self) -> str:
        """ "Mon, Wed · mornings" or "any day · any time"."""
        days = ", ".join(calendar.day_abbr[day] for day in sorted(self.days)) or "any day"
        periods = ", ".join(f"{period}s" for period in self.periods) or "any time"
        return f"{days} · {periods}"


class WaitlistOffer(TimeStampedModel):
    """One freed slot offered to one entry, held for them until `expires_at`.

    `slot_start`/`slot_end` are the whole free gap (the cancelled appointment, the removed
    leave), kept so the next patient can be offered the same gap; `start`/`end` are the
    appointment this patient would get.
    """

    class State(models.TextChoices):
        OFFERED = "offered", "Offered, waiting for an answer"
        ACCEPTED = "accepted", "Accepted and booked"
        EXPIRED = "expired", "Not answered in time"
        GONE = "gone", "Slot taken by someone else"
        DECLINED = "declined", "Declined"

    entry = models.ForeignKey(WaitlistEntry, on_delete=models.PROTECT, related_name="offers")
    # Denormalised from the entry so a patient's offers are one indexed query.
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="waitlist_offers"
    )
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="waitlist_offers"
    )
    room = models.ForeignKey(
        "bookings.Room", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Where the offered appointment is (issue 19): the site whose hours the gap lies in, else
    # the freed appointment's; its own, so an offer without a room still names the place.
    site = models.ForeignKey(
        "clinic.Site", on_delete=models.PROTECT, related_name="+", default=default_site_id
    )
    slot_start = models.DateTimeField()
    slot_end = models.DateTimeField()
    start = models.DateTimeField()
    end = models.DateTimeField()
    token = models.CharField(max_length=64, unique=True, default=new_offer_token, editable=False)
    expires_at = models.DateTimeField()
    state = models.CharField(max_length=8, choices=State.choices, default=State.OFFERED)
    answered_at = models.DateTimeField(null=True, blank=True)
    appointment = models.OneToOneField(
        "bookings.Appointment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="waitlist_offer",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["expires_at"],
                condition=Q(state="offered"),
                name="bookings_offer_open_expiry",
            ),
            models.Index(fields=["patient", "-created_at"], name="bookings_offer_patient"),
            models.Index(fields=["therapist", "slot_start"], name="bookings_offer_slot"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["offered", "accepted", "expired", "gone", "declined"]),
                name="bookings_waitlistoffer_state_valid",
            ),
            models.UniqueConstraint(
                fields=["entry"],
                condition=Q(state="offered"),
                name="bookings_waitlistoffer_one_open_per_entry",
            ),
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start"))
                & Q(start__gte=models.F("slot_start"))
                & Q(end__lte=models.F("slot_end")),
                name="bookings_waitlistoffer_inside_slot",
            ),
            models.CheckConstraint(
                condition=~Q(state="accepted") | Q(appointment__isnull=False),
                name="bookings_waitlistoffer_accepted_has_appointment",
            ),
        ]

    def __str__(self) -> str:
        return f"Offer of {self.start:%Y-%m-%d %H:%M} ({self.get_state_display()})"

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OFFERED

    @property
    def duration_minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)
