"""Invitations to the patient portal: a one-time link that lets a patient set a password."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from clinic.models import TimeStampedModel


class Invitation(TimeStampedModel):
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="portal_invitations"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="portal_invitations"
    )
    email = models.EmailField()
    # Only a SHA-256 of the emailed token is kept, so a database copy cannot be used to log in.
    token_hash = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="portal_invitation_expires_after_creation",
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation for {self.email}"

    @property
    def is_used(self) -> bool:
        return self.used_at is not None

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at
