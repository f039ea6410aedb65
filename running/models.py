"""Return-to-run programmes, the runs patients log against them and the rule's decisions.

A programme is assigned to an episode from a template (running/programmes.py) and keeps a copy
of the template's steps. One programme per episode is active; assigning a new one ends the old
one, which stays in the record, as do every run and every decision.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from clinic.models import TimeStampedModel
from running.programmes import TERRAINS, Step


class RunProgramme(TimeStampedModel):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        COMPLETED = "completed", "Completed"
        ENDED = "ended", "Ended"

    episode = models.ForeignKey(
        "patients.Episode", on_delete=models.PROTECT, related_name="run_programmes"
    )
    # The episode's patient, kept here so every patient-scoped read is one indexed filter.
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="run_programmes"
    )
    template_key = models.CharField(max_length=40)
    template_version = models.CharField(max_length=8)
    name = models.CharField(max_length=120)
    steps = models.JSONField(help_text="The template's steps as they were when assigned.")
    current_step = models.PositiveSmallIntegerField(default=0, help_text="0 is the first step.")
    # Goes up by one each time the step changes: the runs of the current stint are the ones
    # the rule reads, so a step reached twice starts its count afresh.
    stint = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    started_on = models.DateField(help_text="In the patient's time zone.")
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=200, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # A confirmed red-flag referral holds the programme at once (SPEC 3.9b, amendment 26), as
    # it holds the exercise plans: no run is logged until a clinician resumes it with a reason.
    # The hold sits beside the status, which says where the programme is in its life: a held
    # programme is still the episode's active one, at the same step, and discharge ends it.
    hold_reason = models.CharField(max_length=255, blank=True, default="")
    held_at = models.DateTimeField(null=True, blank=True)
    resume_reason = models.TextField(blank=True, default="")
    resumed_at = models.DateTimeField(null=True, blank=True)
    resumed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            # The dashboard's runs to look at: a therapist's programmes' ids from the index
            # alone (running.selectors.runs_to_review), not from a row on each heap page.
            models.Index(fields=["assigned_by", "id"], name="running_programme_assigned"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["episode"],
                condition=models.Q(status="active"),
                name="running_runprogramme_one_active_per_episode",
            ),
            models.CheckConstraint(
                condition=models.Q(hold_reason="") | models.Q(held_at__isnull=False),
                name="running_runprogramme_hold_is_dated",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["active", "completed", "ended"]),
                name="running_runprogramme_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_held(self) -> bool:
        """On hold for a red-flag referral: no run is logged until a clinician resumes it."""
        return self.status == self.Status.ACTIVE and bool(self.hold_reason)

    def step_at(self, index: int) -> Step | None:
        if 0 <= index < len(self.steps):
            return Step.from_dict(self.steps[index])
        return None

    @property
    def step(self) -> Step:
        return self.step_at(self.current_step)

    @property
    def step_label(self) -> str:
        return f"Step {self.current_step + 1} of {len(self.steps)}: {self.step.name}"

    def step_list(self) -> list[Step]:
        return [Step.from_dict(data) for data in self.steps]


#: A run the therapist is told about: pain 5 or more, a worse next morning, or a comment.
WORRYING = (
    models.Q(pain_during__gte=5)
    | models.Q(pain_after__gte=5)
    | models.Q(pain_next_morning__gte=5)
    | models.Q(pain_next_morning__gt=models.F("pain_before"))
    | ~models.Q(comment="")
)


def _pain_range(name: str, *, optional: bool = False) -> models.CheckConstraint:
    condition = models.Q(**{f"{name}__gte": 0, f"{name}__lte": 10})
    if optional:
        condition |= models.Q(**{f"{name}__isnull": True})
    return models.CheckConstraint(condition=condition, name=f"running_runlog_{name}_range")


class RunLog(TimeStampedModel):
    """One run a patient logged; the next-morning pain is added the day after."""

    class Terrain(models.TextChoices):
        FLAT = "flat", TERRAINS["flat"]
        UNDULATING = "undulating", TERRAINS["undulating"]
        UPHILL = "uphill", TERRAINS["uphill"]
        DOWNHILL = "downhill", TERRAINS["downhill"]
        MIXED_HILLS = "mixed_hills", TERRAINS["mixed_hills"]

    class Effort(models.TextChoices):
        EASY = "easy", "Easy: I could chat"
        STEADY = "steady", "Steady: short sentences only"
        HARD = "hard", "Hard: a few words at a time"

    programme = models.ForeignKey(RunProgramme, on_delete=models.PROTECT, related_name="runs")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="runs")
    # The form's one-off key: a second submit of the same form finds this run, not a new one.
    submission = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    date = models.DateField(help_text="The day of the run in the patient's own time zone.")
    minutes = models.PositiveSmallIntegerField()
    distance_km = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    terrain = models.CharField(max_length=16, choices=Terrain.choices)
    effort = models.CharField(max_length=8, choices=Effort.choices)
    rpe = models.PositiveSmallIntegerField(null=True, blank=True)
    pain_before = models.PositiveSmallIntegerField()
    pain_during = models.PositiveSmallIntegerField()
    pain_after = models.PositiveSmallIntegerField()
    pain_next_morning = models.PositiveSmallIntegerField(null=True, blank=True)
    next_morning_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True, max_length=1000)
    step_number = models.PositiveSmallIntegerField(help_text="The step (0 first) when logged.")
    stint = models.PositiveIntegerField()
    not_counted = models.CharField(
        max_length=300, blank=True, help_text="Why the run did not count at its step."
    )
    seen_at = models.DateTimeField(null=True, blank=True)
    seen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["programme", "stint"], name="running_runlog_stint"),
            # The dashboard: worrying runs the therapist has not looked at yet (the same
            # predicate as running.selectors.runs_to_review; most runs are never "seen").
            models.Index(
                fields=["programme"],
                name="running_runlog_unseen",
                condition=models.Q(seen_at__isnull=True) & WORRYING,
            ),
            # The same runs in the dashboard's order (oldest first): the first 26 are read
            # and the walk stops, instead of sorting every unseen worrying run of the caseload.
            # Each entry carries the run's programme, which the walk checks against the
            # therapist's (running.selectors.runs_to_review) without reading the run's row.
            models.Index(
                fields=["date", "id"],
                name="running_runlog_unseen_date",
                condition=models.Q(seen_at__isnull=True) & WORRYING,
                include=["programme"],
            ),
        ]
        constraints = [
            # One run a day: a second run on the same day is refused, not recorded. Each step
            # of the programmes (running/programmes/v1.toml) is one session, and the rule
            # moves on after a number of good runs, each judged by its next morning: two runs
            # on one day would count twice towards moving on with one morning between them.
            # A clinician would rather hear about a double day than see the programme advance
            # on it, so the patient is told next to the date to mention it to their physio.
            # The service (run_log_save) says so first; this keeps every other path honest.
            models.UniqueConstraint(
                fields=["programme", "date"], name="running_runlog_one_per_day"
            ),
            models.CheckConstraint(
                condition=models.Q(minutes__gte=1, minutes__lte=300),
                name="running_runlog_minutes_range",
            ),
            models.CheckConstraint(
                condition=models.Q(distance_km__isnull=True)
                | models.Q(distance_km__gt=0, distance_km__lte=100),
                name="running_runlog_distance_range",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    terrain__in=["flat", "undulating", "uphill", "downhill", "mixed_hills"]
                ),
                name="running_runlog_terrain_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(effort__in=["easy", "steady", "hard"]),
                name="running_runlog_effort_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(rpe__isnull=True) | models.Q(rpe__gte=1, rpe__lte=10),
                name="running_runlog_rpe_range",
            ),
            _pain_range("pain_before"),
            _pain_range("pain_during"),
            _pain_range("pain_after"),
            _pain_range("pain_next_morning", optional=True),
        ]

    def __str__(self) -> str:
        return f"Run on {self.date:%d %b %Y}"

    @property
    def peak(self) -> int:
        values = [self.pain_during, self.pain_after]
        if self.pain_next_morning is not None:
            values.append(self.pain_next_morning)
        return max(values)

    @property
    def worse_next_morning(self) -> bool:
        return self.pain_next_morning is not None and self.pain_next_morning > self.pain_before

    @property
    def worrying(self) -> bool:
        """Pain 5 or more, or worse the next morning: the therapist is told."""
        return self.peak >= 5 or self.worse_next_morning


class ProgrammeDecision(models.Model):
    """What the rule (or the therapist, by hand) decided, why, and on which runs. Append-only."""

    class Kind(models.TextChoices):
        ADVANCE = "advance", "Moved on"
        HOLD = "hold", "Held"
        STEP_BACK = "step_back", "Stepped back"
        COMPLETE = "complete", "Completed"
        MANUAL = "manual", "Moved by the therapist"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    programme = models.ForeignKey(RunProgramme, on_delete=models.PROTECT, related_name="decisions")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    from_step = models.PositiveSmallIntegerField()
    to_step = models.PositiveSmallIntegerField()
    rule = models.TextField(help_text="The rule as applied, for the clinician.")
    explanation = models.TextField(help_text="What the patient is told.")
    runs = models.ManyToManyField(RunLog, blank=True, related_name="decisions")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the programme's rule decided.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["advance", "hold", "step_back", "complete", "manual"]),
                name="running_programmedecision_kind_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="manual") | models.Q(decided_by__isnull=False),
                name="running_programmedecision_manual_has_author",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.created_at:%d %b %Y}"
