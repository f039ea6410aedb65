"""Patients and their numbered injury episodes.

Nothing here is ever hard-deleted: a patient is archived, an episode is discharged.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from simple_history.models import HistoricalRecords

from clinic.display import display
from clinic.models import TimeStampedModel
from clinic.validators import validate_time_zone
from patients.phone import PatientPhoneField

#: Nobody the clinic treats was born earlier.
EARLIEST_BIRTH = dt.date(1900, 1, 1)


def default_time_zone() -> str:
    return settings.TIME_ZONE


def validate_date_of_birth(value: dt.date) -> None:
    if value < EARLIEST_BIRTH:
        raise ValidationError(
            "The date of birth cannot be before %(year)s.", params={"year": EARLIEST_BIRTH.year}
        )
    if value > timezone.localdate():
        raise ValidationError("The date of birth cannot be in the future.")


class PatientQuerySet(models.QuerySet):
    def active(self):
        return self.filter(archived_at__isnull=True)


class Patient(TimeStampedModel):
    class Sex(models.TextChoices):
        FEMALE = "female", "Female"
        MALE = "male", "Male"
        OTHER = "other", "Other"
        NOT_STATED = "not_stated", "Prefer not to say"

    class ContactChannel(models.TextChoices):
        EMAIL = "email", "Email"
        PHONE = "phone", "Phone call"
        SMS = "sms", "Text message"

    class RunnerLevel(models.TextChoices):
        RECREATIONAL = "recreational", "Recreational"
        CLUB = "club", "Club"
        INTERNATIONAL = "international", "International"

    class Terrain(models.TextChoices):
        ROAD = "road", "Road"
        TRAIL_HILLY = "trail_hilly", "Trail or hilly"
        TRACK = "track", "Track"
        TREADMILL = "treadmill", "Treadmill"
        MIXED = "mixed", "Mixed"

    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField(validators=[validate_date_of_birth])
    sex = models.CharField(max_length=16, choices=Sex.choices, default=Sex.NOT_STATED)
    email = models.EmailField(blank=True)
    # Parsed when read (patients/phone.py): the portal reads its patient on every page.
    phone = PatientPhoneField(blank=True, help_text="Stored in international format.")
    preferred_contact = models.CharField(
        max_length=8, choices=ContactChannel.choices, default=ContactChannel.EMAIL
    )
    time_zone = models.CharField(
        max_length=64,
        default=default_time_zone,
        validators=[validate_time_zone],
        help_text="Where the patient lives: reminders follow this clock.",
    )
    runner_level = models.CharField(
        max_length=16, choices=RunnerLevel.choices, default=RunnerLevel.RECREATIONAL
    )
    weekly_km = models.PositiveIntegerField(null=True, blank=True, verbose_name="weekly km")
    main_terrain = models.CharField(max_length=16, choices=Terrain.choices, blank=True)
    goal_event = models.CharField(max_length=200, blank=True)
    goal_date = models.DateField(null=True, blank=True)
    # The site the patient would rather be seen at (issue 19); empty: any site.
    preferred_site = models.ForeignKey(
        "clinic.Site",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Offered first when booking; empty means any site.",
    )
    email_reminders_consent = models.BooleanField(
        default=False, verbose_name="consents to exercise reminders by email"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="patient",
        verbose_name="portal account",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    archived_at = models.DateTimeField(null=True, blank=True)
    # Denormalised so the patient list needs no per-row aggregate.
    episode_count = models.PositiveIntegerField(default=0, editable=False)

    history = HistoricalRecords()
    objects = PatientQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "id"]
        indexes = [
            models.Index(Lower("last_name"), Lower("first_name"), name="patients_name_ci"),
            models.Index(Lower("email"), name="patients_email_ci"),
            models.Index(fields=["phone"], name="patients_phone"),
            # The patient list: active patients in name order, a page at a time.
            models.Index(
                fields=["last_name", "first_name", "id"],
                condition=models.Q(archived_at__isnull=True),
                name="patients_active_by_name",
            ),
            # The search's trigram index is PostgreSQL-only: see migration 0002.
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(sex__in=["female", "male", "other", "not_stated"]),
                name="patients_patient_sex_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(preferred_contact__in=["email", "phone", "sms"]),
                name="patients_patient_contact_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(runner_level__in=["recreational", "club", "international"]),
                name="patients_patient_level_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    main_terrain__in=["", "road", "trail_hilly", "track", "treadmill", "mixed"]
                ),
                name="patients_patient_terrain_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def portal_login(self):
        """The portal account the patient signs in with, or None. An invitation not yet
        accepted leaves an account without a password: that is not a login yet."""
        user = self.user if self.user_id else None
        if user is not None and user.is_active and user.has_usable_password():
            return user
        return None

    def age_on(self, day) -> int:
        years = day.year - self.date_of_birth.year
        if (day.month, day.day) < (self.date_of_birth.month, self.date_of_birth.day):
            years -= 1
        return years

    @property
    def age(self) -> int:
        return self.age_on(timezone.localdate())


class Episode(TimeStampedModel):
    """One bout of posterior-thigh trouble. Recurrence is the clinic's core problem."""

    class Side(models.TextChoices):
        LEFT = "left", "Left"
        RIGHT = "right", "Right"
        BILATERAL = "bilateral", "Both sides"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DISCHARGED = "discharged", "Discharged"

    class Outcome(models.TextChoices):
        RESOLVED = "resolved", "Resolved: back to full running"
        IMPROVED = "improved", "Improved"
        UNCHANGED = "unchanged", "No change"
        WORSE = "worse", "Worse"
        REFERRED = "referred", "Referred on"
        DID_NOT_RETURN = "did_not_return", "Stopped attending"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="episodes")
    number = models.PositiveIntegerField(editable=False)
    side = models.CharField(max_length=16, choices=Side.choices)
    started_on = models.DateField(help_text="When the symptoms of this episode began.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    discharged_on = models.DateField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["patient_id", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "number"], name="patients_episode_number_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(side__in=["left", "right", "bilateral"]),
                name="patients_episode_side_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status="open", discharged_on__isnull=True)
                | models.Q(status="discharged", discharged_on__isnull=False),
                name="patients_episode_discharge_date_matches_status",
            ),
            models.CheckConstraint(
                condition=models.Q(discharged_on__isnull=True)
                | models.Q(discharged_on__gte=models.F("started_on")),
                name="patients_episode_discharged_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"Episode {self.number} ({display(self, 'side').lower()})"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN
