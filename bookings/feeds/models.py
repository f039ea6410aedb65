"""A therapist's calendar subscription: the secret in its URL is kept only as a hash.

A feed is never deleted: revoking it (by the therapist, by making a new link, or by the
manager in the admin) stamps `revoked_at`, and its URL answers 404 from then on. A
therapist has at most one live feed (a partial unique constraint).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from clinic.models import TimeStampedModel


class CalendarFeedQuerySet(models.QuerySet):
    def live(self):
        return self.filter(revoked_at__isnull=True)


class CalendarFeed(TimeStampedModel):
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="calendar_feeds",
    )
    # SHA-256 of the URL's secret, hex: the secret itself is shown once and never stored.
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = CalendarFeedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["therapist"],
                condition=Q(revoked_at__isnull=True),
                name="bookings_calendarfeed_one_live_per_therapist",
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | Q(revoked_at__gte=models.F("created_at")),
                name="bookings_calendarfeed_revoked_after_created",
            ),
        ]

    def __str__(self) -> str:
        state = "revoked" if self.revoked_at else "live"
        return f"Calendar feed of {self.therapist} ({state})"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None
