"""Therapists' schedules and the appointments booked into them.

Times: weekly working hours are wall-clock times in the clinic's TIME_ZONE (a therapist
works 09:00-17:00 on both sides of a daylight-saving change); everything else is an aware
datetime stored in UTC.

Double booking is impossible at the database level on PostgreSQL: three exclusion
constraints forbid two *active* appointments whose [start, end) ranges overlap for the same
therapist, the same patient or the same room. Cancelled appointments and no-shows are not
active: both free their slot (a no-show's slot may still be given to a walk-in).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.postgres.fields import RangeBoundary, RangeOperators
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from bookings.constraints import MinuteRange, PostgresExclusionConstraint, TsTzRange
from clinic.models import TimeStampedModel
from clinic.sites import Weekday, default_site_id


class WorkingHours(TimeStampedModel):
    """One block of a therapist's regular week, in its site's local time."""

    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="working_hours",
        limit_choices_to={"role": "therapist"},
    )
    # Where the therapist works in this block (issue 19: a therapist may work at several sites).
    site = models.ForeignKey(
        "clinic.Site",
        on_delete=models.PROTECT,
        related_name="working_hours",
        default=default_site_id,
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start_time = models.TimeField()
    end_time = models.TimeField()

    class Meta:
        ordering = ["therapist_id", "weekday", "start_time"]
        verbose_name_plural = "working hours"
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6),
                name="bookings_workinghours_weekday_valid",
            ),
            models.CheckConstraint(
                condition=Q(end_time__gt=models.F("start_time")),
                name="bookings_workinghours_ends_after_start",
            ),
            # A therapist is at one site at a time: two blocks of one weekday never overlap,
            # whichever sites they are at.
            PostgresExclusionConstraint(
                name="bookings_workinghours_no_overlap",
                expressions=[
                    ("therapist", RangeOperators.EQUAL),
                    ("weekday", RangeOperators.EQUAL),
                    (MinuteRange("start_time", "end_time"), RangeOperators.OVERLAPS),
                ],
                violation_error_message="These hours overlap the therapist's other hours that day.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}-{self.end_time:%H:%M}"

    @property
    def overlap_message(self) -> str:
        """What to tell staff adding hours that overlap this block (read its `site` joined)."""
        return (
            f"These hours overlap {self} at {self.site}: a therapist works at one site at a "
            "time. Change that block, or choose hours that do not overlap it."
        )


class ScheduleException(TimeStampedModel):
    """A change to a therapist's regular week: time off, blocked time, or extra hours."""

    class Kind(models.TextChoices):
        LEAVE = "leave", "Leave"
        BLOCKED = "blocked", "Blocked time"
        EXTRA = "extra", "Extra working hours"

    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="schedule_exceptions",
        limit_choices_to={"role": "therapist"},
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # Where extra hours are worked (and their times are that site's wall clock); leave and
    # blocked time name no site: the therapist is away from every site.
    site = models.ForeignKey(
        "clinic.Site",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="schedule_exceptions",
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["start"]
        indexes = [models.Index(fields=["therapist", "start"], name="bookings_exception_start")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["leave", "blocked", "extra"]),
                name="bookings_scheduleexception_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(kind="extra", site__isnull=False)
                | (~Q(kind="extra") & Q(site__isnull=True)),
                name="bookings_scheduleexception_site_only_for_extra",
                violation_error_message="Extra hours need a site; leave and blocked time "
                "apply at every site, so they name none.",
            ),
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")),
                name="bookings_scheduleexception_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.start:%Y-%m-%d %H:%M}"

    @property
    def adds_time(self) -> bool:
        return self.kind == self.Kind.EXTRA


class AppointmentType(TimeStampedModel):
    """What is booked and for how long. Defaults are created by a data migration."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(unique=True)
    duration_minutes = models.PositiveSmallIntegerField()
    is_active = models.BooleanField(default=True)
    bookable_online = models.BooleanField(
        default=False, help_text="Patients may book, move and cancel this type in the portal."
    )

    class Meta:
        ordering = ["duration_minutes", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5, duration_minutes__lte=480),
                name="bookings_appointmenttype_duration_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.duration_minutes} min)"

    @property
    def duration(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.duration_minutes)


class Room(TimeStampedModel):
    site = models.ForeignKey(
        "clinic.Site", on_delete=models.PROTECT, related_name="rooms", default=default_site_id
    )
    name = models.CharField(max_length=100)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["site", "name"], name="bookings_room_name_in_site"),
        ]

    def __str__(self) -> str:
        return self.name


# The longest appointment type lasts 480 minutes; appointments take their type's length.
MAX_APPOINTMENT_LENGTH = dt.timedelta(hours=8)
# A patient who walks in early is marked arrived while waiting; completed and did not attend
# wait for the start itself.
EARLY_ARRIVAL = dt.timedelta(minutes=30)


class AppointmentQuerySet(models.QuerySet):
    def active(self):
        """Appointments that hold their slot."""
        return self.filter(status__in=Appointment.ACTIVE_STATUSES)

    def overlapping(self, start: dt.datetime, end: dt.datetime):
        """Half-open ranges: an appointment ending at 10:00 does not overlap one starting then.

        No appointment is longer than MAX_APPOINTMENT_LENGTH (a constraint), so an overlapping
        one starts after `start - MAX_APPOINTMENT_LENGTH`: that lower bound lets the planner
        read a short stretch of the (therapist, start) or (patient, start) index instead of
        every appointment since the clinic opened.
        """
        return self.filter(start__lt=end, end__gt=start, start__gt=start - MAX_APPOINTMENT_LENGTH)


class Appointment(TimeStampedModel):
    class Status(models.TextChoices):
        BOOKED = "booked", "Booked"
        ARRIVED = "arrived", "Arrived"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"
        NO_SHOW = "no_show", "Did not attend"

    class ConfirmedVia(models.TextChoices):
        TEXT = "text", "By text reply"
        PHONE = "phone", "By phone, with reception"

    ACTIVE_STATUSES = (Status.BOOKED, Status.ARRIVED, Status.COMPLETED)
    #: Statuses that record what happened at the visit: they only make sense once it begins.
    ATTENDANCE_STATUSES = (Status.ARRIVED, Status.COMPLETED, Status.NO_SHOW)

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="appointments"
    )
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="appointments",
        limit_choices_to={"role": "therapist"},
    )
    appointment_type = models.ForeignKey(
        AppointmentType, on_delete=models.PROTECT, related_name="appointments"
    )
    # Where the visit happens (issue 19); a room, when given, is at the same site.
    site = models.ForeignKey(
        "clinic.Site",
        on_delete=models.PROTECT,
        related_name="appointments",
        default=default_site_id,
    )
    room = models.ForeignKey(
        Room, null=True, blank=True, on_delete=models.PROTECT, related_name="appointments"
    )
    episode = models.ForeignKey(
        "patients.Episode",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="appointments",
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.BOOKED)
    notes = models.TextField(blank=True, help_text="Seen by clinic staff only.")
    cancellation_reason = models.CharField(max_length=200, blank=True)
    late_cancellation = models.BooleanField(default=False)
    outside_hours = models.BooleanField(
        default=False, help_text="Booked outside the therapist's hours on purpose."
    )
    # When the patient confirmed they are coming (replying Y to the text reminder, or telling
    # reception on the phone), and which of the two.
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # A database default too, so bulk and raw inserts (loadgen) need not name it.
    confirmed_via = models.CharField(
        max_length=8, choices=ConfirmedVia.choices, blank=True, default="", db_default=""
    )
    # Appointments booked together as a recurring series share this id.
    series_id = models.UUIDField(null=True, blank=True, db_index=True)
    # Bumped on every move or cancellation so calendar apps replace the event they hold.
    sequence = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    history = HistoricalRecords()
    objects = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["start", "id"]
        indexes = [
            models.Index(fields=["start"], name="bookings_appointment_start"),
            models.Index(fields=["therapist", "start"], name="bookings_appt_therapist_start"),
            models.Index(fields=["patient", "start"], name="bookings_appt_patient_start"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["booked", "arrived", "completed", "cancelled", "no_show"]),
                name="bookings_appointment_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")),
                name="bookings_appointment_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(end__lte=models.F("start") + MAX_APPOINTMENT_LENGTH),
                name="bookings_appointment_at_most_8_hours",
            ),
            models.CheckConstraint(
                condition=Q(status="cancelled") | Q(late_cancellation=False),
                name="bookings_appointment_late_flag_only_when_cancelled",
            ),
            models.CheckConstraint(
                condition=Q(confirmed_via="")
                | Q(confirmed_at__isnull=False, confirmed_via__in=["text", "phone"]),
                name="bookings_appointment_confirmed_via_valid",
            ),
            PostgresExclusionConstraint(
                name="bookings_appointment_therapist_no_overlap",
                expressions=[
                    ("therapist", RangeOperators.EQUAL),
                    (TsTzRange("start", "end", RangeBoundary()), RangeOperators.OVERLAPS),
                ],
                condition=Q(status__in=["booked", "arrived", "completed"]),
                violation_error_message="The therapist already has an appointment then.",
            ),
            PostgresExclusionConstraint(
                name="bookings_appointment_patient_no_overlap",
                expressions=[
                    ("patient", RangeOperators.EQUAL),
                    (TsTzRange("start", "end", RangeBoundary()), RangeOperators.OVERLAPS),
                ],
                condition=Q(status__in=["booked", "arrived", "completed"]),
                violation_error_message="The patient already has an appointment then.",
            ),
            PostgresExclusionConstraint(
                name="bookings_appointment_room_no_overlap",
                expressions=[
                    ("room", RangeOperators.EQUAL),
                    (TsTzRange("start", "end", RangeBoundary()), RangeOperators.OVERLAPS),
                ],
                condition=Q(status__in=["booked", "arrived", "completed"], room__isnull=False),
                violation_error_message="The room is already in use then.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.appointment_type.name} for {self.patient} at {self.start:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def is_cancelled(self) -> bool:
        return self.status == self.Status.CANCELLED

    @property
    def duration_minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)

    @property
    def attendance_open(self) -> bool:
        """Whether any attendance may be recorded yet (the day view offers its buttons)."""
        return timezone.now() >= self.start - EARLY_ARRIVAL

    def attendance_opens_at(self, status: str) -> dt.datetime | None:
        """The earliest moment `status` may be recorded, or None when it may be at any time."""
        if status == self.Status.ARRIVED:
            return self.start - EARLY_ARRIVAL
        if status in self.ATTENDANCE_STATUSES:
            return self.start
        return None


class AppointmentStatusChange(models.Model):
    """Append-only record of each status change: who, when and why."""

    appointment = models.ForeignKey(
        Appointment, on_delete=models.PROTECT, related_name="status_changes"
    )
    from_status = models.CharField(max_length=16, choices=Appointment.Status.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=Appointment.Status.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(max_length=200, blank=True)
    late_cancellation = models.BooleanField(default=False)
    # Set on the change that puts an earlier change back; one-to-one, so a change is undone
    # at most once.
    undoes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="undone_by"
    )

    class Meta:
        ordering = ["changed_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    to_status__in=["booked", "arrived", "completed", "cancelled", "no_show"]
                ),
                name="bookings_appointmentstatuschange_to_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_status or 'new'} → {self.to_status}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Status changes are a record: they are never edited.")
        super().save(*args, **kwargs)

    def can_be_undone_on(self, today: dt.date, zone) -> bool:
        """Staff may undo a status change on the clinic day it was made (`today`, local to
        `zone`). Only the latest change of an appointment is offered; the booking itself
        (no earlier status) cannot be undone: cancel it instead."""
        return bool(self.from_status) and self.changed_at.astimezone(zone).date() == today


# Therapists' calendar feeds, new patients' booking requests, online booking's settings and
# the waitlist keep their models in their own packages; importing them here registers them.
from bookings.feeds.models import CalendarFeed  # noqa: E402
from bookings.online.models import OnlineBookingSettings  # noqa: E402
from bookings.requests.models import BookingRequest, UrgentScreen  # noqa: E402
from bookings.waitlist.models import WaitlistEntry, WaitlistOffer  # noqa: E402

__all__ = [
    "Appointment",
    "AppointmentStatusChange",
    "AppointmentType",
    "BookingRequest",
    "CalendarFeed",
    "OnlineBookingSettings",
    "Room",
    "ScheduleException",
    "UrgentScreen",
    "WaitlistEntry",
    "WaitlistOffer",
    "Weekday",
    "WorkingHours",
]
