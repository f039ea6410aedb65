"""Stage changes and discharge summaries of an episode's staged rehab.

Both are append-only records of a clinician's decision with the facts as they stood (JSON
snapshots that never change afterwards): nothing here is edited or deleted. Saves are audited
(clinic/audit.py lists this app).
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from rehab.catalogue import stage_label


class AppendOnly(models.Model):
    """A record that is written once: saving it again is a programming error."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValueError(f"A {self._meta.verbose_name} is never changed once recorded.")
        super().save(*args, **kwargs)


class StageChange(AppendOnly):
    """The therapist moved an episode to another rehab stage. The newest change gives the
    current stage; before any, the episode is in the first stage of its list."""

    class Direction(models.TextChoices):
        FORWARD = "forward", "Moved on"
        BACK = "back", "Moved back"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    episode = models.ForeignKey(
        "patients.Episode", on_delete=models.PROTECT, related_name="stage_changes"
    )
    stage_list = models.CharField(max_length=32, help_text="The stage list of the diagnosis.")
    catalogue_version = models.CharField(max_length=8)
    from_stage = models.CharField(max_length=32)
    to_stage = models.CharField(max_length=32)
    direction = models.CharField(max_length=8, choices=Direction.choices)
    # The exit criteria of `from_stage` as they stood (rehab.criteria.CriterionResult.as_json).
    criteria = models.JSONField(default=list)
    criteria_met = models.BooleanField()
    reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-decided_at", "-id"]
        indexes = [
            models.Index(fields=["episode", "-decided_at", "-id"], name="rehab_stagechange_newest")
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(direction__in=["forward", "back"]),
                name="rehab_stagechange_direction_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(from_stage=models.F("to_stage")),
                name="rehab_stagechange_changes_stage",
            ),
            # Moving on with unmet criteria, or moving back, is allowed only with a reason.
            models.CheckConstraint(
                condition=models.Q(direction="forward", criteria_met=True) | ~models.Q(reason=""),
                name="rehab_stagechange_reason_when_needed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_label} → {self.to_label} ({self.decided_at:%Y-%m-%d})"

    @property
    def from_label(self) -> str:
        return stage_label(self.stage_list, self.from_stage)

    @property
    def to_label(self) -> str:
        return stage_label(self.stage_list, self.to_stage)


class DischargeSummary(AppendOnly):
    """What the patient takes home when an episode is discharged, and, with their consent,
    what their GP is told. Everything is a snapshot taken at discharge."""

    class ConsentHow(models.TextChoices):
        IN_PERSON = "in_person", "Said so in person"
        WRITTEN = "written", "Signed a form"
        PHONE = "phone", "Said so on the phone"
        EMAIL = "email", "Said so by email"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    episode = models.OneToOneField(
        "patients.Episode", on_delete=models.PROTECT, related_name="discharge_summary"
    )
    final_dx = models.CharField(max_length=24, blank=True)
    final_dx_label = models.CharField(max_length=100, blank=True)
    stage_list = models.CharField(max_length=32, blank=True)
    stage_reached = models.CharField(max_length=32, blank=True)
    # [{"code", "label", "entered_on", "left_on", "days"}], in the order they were reached.
    stages = models.JSONField(default=list)
    # The last stage's exit criteria as they stood at discharge (CriterionResult.as_json).
    criteria = models.JSONField(default=list)
    # [{"name", "label", "before", "now", "reading"}]: baseline against latest.
    measures = models.JSONField(default=list)
    # [{"label", "items": [str]}]: what was done (exercises; treatments when recorded).
    care = models.JSONField(default=list)
    advice = models.TextField(blank=True)
    gp_letter_consent = models.BooleanField(default=False)
    gp_consent_how = models.CharField(max_length=16, choices=ConsentHow.choices, blank=True)
    gp_consent_at = models.DateTimeField(null=True, blank=True)
    gp_name = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "discharge summaries"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    gp_consent_how__in=["", "in_person", "written", "phone", "email"]
                ),
                name="rehab_dischargesummary_consent_how_valid",
            ),
            # Consent is recorded with how and when it was given; without it, neither is set.
            models.CheckConstraint(
                condition=models.Q(
                    gp_letter_consent=True, gp_consent_at__isnull=False, gp_consent_how__gt=""
                )
                | models.Q(gp_letter_consent=False, gp_consent_at__isnull=True, gp_consent_how=""),
                name="rehab_dischargesummary_consent_recorded",
            ),
        ]

    def __str__(self) -> str:
        return f"Discharge summary of {self.episode}"

    def stage_rows(self) -> list[dict]:
        """The stages with their dates as dates (the snapshot keeps ISO text)."""
        return [_dated(row, "entered_on", "left_on") for row in self.stages]

    def criteria_rows(self) -> list[dict]:
        return [_dated(row, "on") for row in self.criteria]


def _dated(row: dict, *keys: str) -> dict:
    dates = {key: dt.date.fromisoformat(row[key]) if row.get(key) else None for key in keys}
    return {**row, **dates}
