"""The clinic's rules for online booking: one row, edited by the manager in the admin.

Which appointment types patients may book online is a flag on each type
(`AppointmentType.bookable_online`); the late-cancellation window is the existing setting
BOOKING_CANCEL_NOTICE_HOURS, shared with reception's cancellations.
"""

from __future__ import annotations

import datetime as dt

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from clinic.models import TimeStampedModel

SINGLETON_ID = 1


class OnlineBookingSettings(TimeStampedModel):
    """Minimum notice and how far ahead patients may book. There is only ever one row."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON_ID, editable=False)
    minimum_notice_hours = models.PositiveSmallIntegerField(
        default=24,
        validators=[MaxValueValidator(24 * 14)],
        help_text="Patients cannot book online a slot that starts sooner than this.",
    )
    horizon_days = models.PositiveSmallIntegerField(
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text="How many days ahead patients can book online.",
    )

    class Meta:
        verbose_name = "online booking settings"
        verbose_name_plural = "online booking settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(id=SINGLETON_ID), name="bookings_onlinebookingsettings_single_row"
            ),
            models.CheckConstraint(
                condition=Q(minimum_notice_hours__lte=24 * 14),
                name="bookings_onlinebookingsettings_notice_valid",
            ),
            models.CheckConstraint(
                condition=Q(horizon_days__gte=1, horizon_days__lte=365),
                name="bookings_onlinebookingsettings_horizon_valid",
            ),
        ]

    def __str__(self) -> str:
        return "Online booking settings"

    @classmethod
    def load(cls) -> OnlineBookingSettings:
        """The row, created with the defaults on first use. One query once it exists."""
        return cls.objects.get_or_create(pk=SINGLETON_ID)[0]

    @property
    def minimum_notice(self) -> dt.timedelta:
        return dt.timedelta(hours=self.minimum_notice_hours)
