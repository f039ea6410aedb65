"""API tokens for the FHIR API: one per person and purpose, created by the manager.

Only a SHA-256 hash of each token is stored; the token itself is shown once, when it is made.
A token is never deleted: revoking it keeps the row, so the audit trail can still name it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from clinic.models import TimeStampedModel


class ApiToken(TimeStampedModel):
    class Scope(models.TextChoices):
        READ = "read", "Read only"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_tokens"
    )
    label = models.CharField(
        max_length=100, help_text="What the token is for, e.g. 'GP practice system import'."
    )
    scope = models.CharField(max_length=8, choices=Scope.choices, default=Scope.READ)
    #: The first characters of the token: finds the row; the hash is then compared in
    #: constant time.
    prefix = models.CharField(max_length=8, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", editable=False
    )
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "FHIR API token"
        indexes = [models.Index(fields=["prefix"], name="interop_apitoken_prefix")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(scope__in=["read"]), name="interop_apitoken_scope_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(revoked_at__isnull=True, revoked_by__isnull=True)
                | models.Q(revoked_at__isnull=False, revoked_by__isnull=False),
                name="interop_apitoken_revoked_has_time_and_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
