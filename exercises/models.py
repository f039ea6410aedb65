"""The exercise library, patients' home-exercise plans, their session logs and the adherence loop.

A plan is edited as a working copy (its `PlanItem`s). Publishing freezes the items into an
immutable `PlanVersion`; the patient only ever sees a published version, and every session log
points at the version that was in force when the patient logged it.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from clinic.models import TimeStampedModel
from exercises.validators import validate_illustration


class Exercise(TimeStampedModel):
    class Tag(models.TextChoices):
        NEURAL = "neural", "Neural"
        LUMBAR = "lumbar", "Lumbar"
        ACUTE_STRAIN = "acute_strain", "Acute strain"
        GENERAL = "general", "General"

    class Phase(models.TextChoices):
        EARLY = "early", "Early"
        MID = "mid", "Mid"
        LATE = "late", "Late"

    class Direction(models.TextChoices):
        NONE = "", "Any (no preference needed)"
        EXTENSION = "extension", "Extension"
        FLEXION = "flexion", "Flexion"
        LATERAL = "lateral", "Lateral"

    class Kind(models.TextChoices):
        OTHER = "", "Other"
        SLIDER = "slider", "Nerve slider"
        TENSIONER = "tensioner", "Nerve tensioner"

    code = models.CharField(max_length=16, unique=True)
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=140, unique=True)
    # Small fixed vocabularies kept as JSON lists; selectors filter them by their quoted token.
    tags = models.JSONField(default=list)
    phases = models.JSONField(default=list)
    directional_preference = models.CharField(
        max_length=16, choices=Direction.choices, blank=True, default=Direction.NONE
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, blank=True, default=Kind.OTHER)
    sets = models.PositiveSmallIntegerField(null=True, blank=True)
    reps = models.PositiveSmallIntegerField(null=True, blank=True)
    hold_seconds = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    times_per_day = models.PositiveSmallIntegerField(null=True, blank=True)
    days_per_week = models.PositiveSmallIntegerField(null=True, blank=True)
    dose_note = models.CharField(max_length=300, blank=True)
    # The dose counts one side (one leg, or one way): the patient does it again on the other.
    each_side = models.BooleanField(default=False)
    instructions = models.JSONField(default=list)
    stop_rules = models.JSONField(default=list)
    contraindications = models.JSONField(default=list)
    evidence = models.CharField(max_length=300, blank=True)
    illustration = models.FileField(
        upload_to="exercises/illustrations/",
        blank=True,
        validators=[validate_illustration],
    )
    archived_at = models.DateTimeField(null=True, blank=True)
    # Suggestion facts (exercises/suggest.py): the first day after the injury the exercise may
    # be offered (blank: from the start), and its movement family (a plan suggests at most one
    # exercise of a family; blank: a family of its own).
    earliest_day = models.PositiveSmallIntegerField(null=True, blank=True)
    family = models.SlugField(max_length=40, blank=True, db_index=False)
    # Whole days the exercise needs between two sessions (exercises.schedule): 1 is "never two
    # days in a row", 2 "at most every third day". A plan's days never break it.
    min_rest_days = models.PositiveSmallIntegerField(
        default=0, help_text="Whole rest days needed between two sessions (0: none)."
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    directional_preference__in=["", "extension", "flexion", "lateral"]
                ),
                name="exercises_exercise_direction_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["", "slider", "tensioner"]),
                name="exercises_exercise_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(days_per_week__isnull=True) | models.Q(days_per_week__lte=7),
                name="exercises_exercise_days_per_week_max_7",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def tag_labels(self) -> list[str]:
        return [self.Tag(tag).label for tag in self.tags if tag in self.Tag.values]

    def phase_labels(self) -> list[str]:
        return [self.Phase(phase).label for phase in self.phases if phase in self.Phase.values]


DOSE_FIELDS = ("sets", "reps", "hold_seconds", "duration_minutes", "times_per_day", "days_per_week")


class ExercisePlan(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        PAUSED = "paused", "Paused"
        COMPLETED = "completed", "Completed"

    episode = models.ForeignKey(
        "patients.Episode", on_delete=models.PROTECT, related_name="exercise_plans"
    )
    # Denormalised from the episode so portal and dashboard queries need no join.
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="exercise_plans"
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    current_version = models.ForeignKey(
        "PlanVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Denormalised by session-log writes so the "no log for 7 days" alert needs no aggregate.
    last_logged_on = models.DateField(null=True, blank=True)
    # A confirmed red-flag referral holds the plan (SPEC 3.9b, amendment 26): set with the
    # pause (a draft stays a draft but cannot be published while held), e.g. "Red flag referral
    # confirmed on 4 December 2026 by Dr A. Physio", and cleared only when a clinician resumes
    # the plan with a reason (kept below, and in the history).
    hold_reason = models.CharField(max_length=255, blank=True, default="")
    resumed_at = models.DateTimeField(null=True, blank=True)
    resumed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    resume_reason = models.TextField(blank=True, default="")

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["draft", "active", "paused", "completed"]),
                name="exercises_exerciseplan_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(start_date__isnull=False, end_date__gte=models.F("start_date")),
                name="exercises_exerciseplan_end_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft") | models.Q(current_version__isnull=False),
                name="exercises_exerciseplan_published_has_version",
            ),
            models.UniqueConstraint(
                fields=["episode"],
                condition=models.Q(status="active"),
                name="exercises_exerciseplan_one_active_per_episode",
            ),
        ]

    def __str__(self) -> str:
        return f"Exercise plan for {self.patient} ({self.get_status_display().lower()})"

    @property
    def is_editable(self) -> bool:
        return self.status != self.Status.COMPLETED

    #: The statuses a red-flag hold applies to: a running plan pauses, and a draft waits (it
    #: cannot be published) until a clinician lifts the hold with a reason.
    HOLDABLE = (Status.ACTIVE, Status.PAUSED, Status.DRAFT)

    @property
    def is_held(self) -> bool:
        """Paused (or, for a draft, kept from publishing) for a confirmed red flag: only a
        clinician with a reason lifts the hold."""
        return self.status in (self.Status.PAUSED, self.Status.DRAFT) and bool(self.hold_reason)

    def week_start_for(self, day: dt.date) -> dt.date:
        """Plan weeks run from the start date in blocks of seven days."""
        offset = (day - self.start_date).days // 7
        return self.start_date + dt.timedelta(days=7 * offset)


class PlanItem(models.Model):
    """One exercise in a plan's working copy; empty dose fields fall back to the library."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    plan = models.ForeignKey(ExercisePlan, on_delete=models.CASCADE, related_name="items")
    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)
    sets = models.PositiveSmallIntegerField(null=True, blank=True)
    reps = models.PositiveSmallIntegerField(null=True, blank=True)
    hold_seconds = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    times_per_day = models.PositiveSmallIntegerField(null=True, blank=True)
    days_per_week = models.PositiveSmallIntegerField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)
    # Why a suggested plan chose this exercise, for the therapist only (never in the snapshot
    # the patient receives); blank for exercises the therapist added. The database default
    # lets bulk writers that predate it (loadgen's COPY) leave it out.
    reason = models.CharField(max_length=300, blank=True, default="", db_default="")
    # The item's step in exercises/progressions (a step key); empty: the exercise's first step.
    progression_step = models.CharField(max_length=60, blank=True, default="")
    # The therapist's days (exercises.schedule): weekdays (0 is Monday) or every N days from
    # the plan's start; neither means the site spreads the days per week.
    weekdays = models.JSONField(default=list, blank=True)
    every_n_days = models.PositiveSmallIntegerField(null=True, blank=True)
    # Repetitions set by set when they differ (the Nordic build-up: 12, then 10, then 8), one
    # number per set; empty: every set has `reps`.
    reps_per_set = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(days_per_week__isnull=True) | models.Q(days_per_week__lte=7),
                name="exercises_planitem_days_per_week_max_7",
            ),
            models.CheckConstraint(
                condition=models.Q(every_n_days__isnull=True)
                | models.Q(every_n_days__gte=1, every_n_days__lte=28),
                name="exercises_planitem_every_n_days_range",
            ),
            models.UniqueConstraint(
                fields=["plan", "exercise"], name="exercises_planitem_exercise_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.exercise.name} in {self.plan_id}"

    def dose(self) -> dict:
        """The dose for this patient: the plan's values where set, else the library defaults,
        and the repetitions of each set when they differ (a key only then, so doses published
        before it read the same)."""
        dose = {
            name: getattr(self, name)
            if getattr(self, name) is not None
            else getattr(self.exercise, name)
            for name in DOSE_FIELDS
        }
        if self.reps_per_set:
            dose["reps_per_set"] = list(self.reps_per_set)
        return dose


class PlanVersion(models.Model):
    """An immutable published copy of a plan's items: what the patient was actually given."""

    plan = models.ForeignKey(ExercisePlan, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    items = models.JSONField()
    sessions_per_week = models.PositiveSmallIntegerField()
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # What this version changed from the one before, for the plan's history ("" on old rows).
    change_summary = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["plan_id", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "number"], name="exercises_planversion_number_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(sessions_per_week__gte=1, sessions_per_week__lte=7),
                name="exercises_planversion_sessions_per_week_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Version {self.number}"


class SessionLog(TimeStampedModel):
    """A patient's record of one day's exercise session; one per plan and local date."""

    class Difficulty(models.TextChoices):
        EASY = "easy", "Easy"
        ABOUT_RIGHT = "about_right", "About right"
        HARD = "hard", "Hard"

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="session_logs"
    )
    plan = models.ForeignKey(ExercisePlan, on_delete=models.PROTECT, related_name="session_logs")
    version = models.ForeignKey(PlanVersion, on_delete=models.PROTECT, related_name="session_logs")
    date = models.DateField(help_text="The day of the session in the patient's own time zone.")
    # Keys (exercise codes) of the version's items the patient did.
    done = models.JSONField(default=list)
    done_count = models.PositiveSmallIntegerField(default=0)
    item_count = models.PositiveSmallIntegerField(default=0)
    pain_during = models.PositiveSmallIntegerField()
    pain_after = models.PositiveSmallIntegerField()
    difficulty = models.CharField(max_length=16, choices=Difficulty.choices)
    comment = models.TextField(blank=True, max_length=2000)
    # About the previous session: was the patient worse the morning after it? None: not asked
    # or not answered (there may have been no previous session).
    worse_next_morning = models.BooleanField(null=True, blank=True)
    # Pins and needles or numbness that lasted after the exercises (a core stop rule).
    lasting_pins_needles = models.BooleanField(default=False)
    # Codes from exercises.safety.SYMPTOMS the patient ticked as new.
    new_symptoms = models.JSONField(default=list, blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-date"]
        indexes = [
            # The comment inbox (dashboard, inbox page): only logs with a comment, by plan.
            models.Index(
                fields=["plan", "-created_at"],
                name="exercises_sessionlog_comments",
                condition=~models.Q(comment=""),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "plan", "date"], name="exercises_sessionlog_one_per_day"
            ),
            models.CheckConstraint(
                condition=models.Q(pain_during__gte=0, pain_during__lte=10),
                name="exercises_sessionlog_pain_during_range",
            ),
            models.CheckConstraint(
                condition=models.Q(pain_after__gte=0, pain_after__lte=10),
                name="exercises_sessionlog_pain_after_range",
            ),
            models.CheckConstraint(
                condition=models.Q(difficulty__in=["easy", "about_right", "hard"]),
                name="exercises_sessionlog_difficulty_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"Session on {self.date:%d %b %Y}"


class PlanWeek(models.Model):
    """Per-plan weekly totals, refreshed on every log write so charts and alerts stay cheap."""

    plan = models.ForeignKey(ExercisePlan, on_delete=models.CASCADE, related_name="weeks")
    week_start = models.DateField()
    sessions_logged = models.PositiveSmallIntegerField(default=0)
    sessions_prescribed = models.PositiveSmallIntegerField(default=7)
    pain_count = models.PositiveSmallIntegerField(default=0)
    pain_during_sum = models.PositiveIntegerField(default=0)
    pain_after_sum = models.PositiveIntegerField(default=0)
    pain_peak_sum = models.PositiveIntegerField(default=0)
    # Adherence per prescribed exercise (exercises.adherence.week_doses): the times the
    # exercises were done that week, each at most as often as it was due, and the times due.
    doses_done = models.PositiveSmallIntegerField(default=0)
    doses_due = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["plan_id", "week_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "week_start"], name="exercises_planweek_one_per_week"
            ),
        ]

    def __str__(self) -> str:
        return f"Week of {self.week_start}"

    def _mean(self, total: int) -> float | None:
        return round(total / self.pain_count, 1) if self.pain_count else None

    @property
    def pain_during_mean(self) -> float | None:
        return self._mean(self.pain_during_sum)

    @property
    def pain_after_mean(self) -> float | None:
        return self._mean(self.pain_after_sum)

    @property
    def pain_peak_mean(self) -> float | None:
        return self._mean(self.pain_peak_sum)


class AlertAcknowledgement(models.Model):
    """A therapist saw an alert and noted what they did. Alerts themselves are computed, never
    stored (exercises.adherence); this row hides the one alert of its kind and period."""

    class Kind(models.TextChoices):
        PAIN_UP = "pain_up", "Pain up"
        LOW_ADHERENCE = "low_adherence", "Low adherence"
        NO_LOG = "no_log", "No log"
        URGENT_SYMPTOM = "urgent_symptom", "Urgent symptom"
        PINS_NEEDLES = "pins_needles", "Lasting pins and needles"
        PAIN_SESSION = "pain_session", "Painful session"
        PAIN_WEEK = "pain_week", "Pain all week"
        WORSE_MORNING = "worse_morning", "Worse next morning"

    plan = models.ForeignKey(
        ExercisePlan, on_delete=models.PROTECT, related_name="acknowledgements"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # The week (or, for a missing log, the last log date) the alert was about.
    period = models.DateField()
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField()
    # What the therapist did about it; required since notes were introduced (older rows: "").
    note = models.TextField(max_length=1000, blank=True, default="")

    class Meta:
        ordering = ["-acknowledged_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "kind", "period"], name="exercises_alertacknowledgement_once"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    kind__in=[
                        "pain_up",
                        "low_adherence",
                        "no_log",
                        "urgent_symptom",
                        "pins_needles",
                        "pain_session",
                        "pain_week",
                        "worse_morning",
                    ]
                ),
                name="exercises_alertacknowledgement_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} acknowledged"


class SymptomReport(TimeStampedModel):
    """A patient reported, in a session log, a symptom their therapist must hear about now.

    One row per new report (saving the same log again with nothing new adds none): it is what
    the therapist's dashboard alert is about, and the subject of the alert email. Never
    deleted; the therapist acknowledges the alert instead.
    """

    class Kind(models.TextChoices):
        URGENT_SYMPTOM = "urgent_symptom", "Urgent symptom"
        PINS_NEEDLES = "pins_needles", "Lasting pins and needles"

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="symptom_reports"
    )
    plan = models.ForeignKey(ExercisePlan, on_delete=models.PROTECT, related_name="symptom_reports")
    # A report comes from a session log, or from a text the patient sent (exactly one of them).
    log = models.ForeignKey(
        SessionLog,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="symptom_reports",
    )
    text = models.OneToOneField(
        "notifications.SmsInbound",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="symptom_report",
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # The urgent symptoms ticked (codes from exercises.safety.SYMPTOMS), or found in a text
    # (exercises.text_safety.SIGNS); empty for pins and needles.
    symptoms = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["plan", "-created_at"], name="exercises_report_plan")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["urgent_symptom", "pins_needles"]),
                name="exercises_symptomreport_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(log__isnull=False, text__isnull=True)
                | models.Q(log__isnull=True, text__isnull=False),
                name="exercises_symptomreport_from_log_or_text",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} reported"


class CommentRead(models.Model):
    """A clinician read a patient's session-log comment: who and when, once per comment."""

    session_log = models.OneToOneField(
        SessionLog, on_delete=models.PROTECT, related_name="comment_read"
    )
    read_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    read_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Comment read {self.read_at:%d %b %Y %H:%M}"


class CommentReply(TimeStampedModel):
    """A clinician's reply to a patient's session-log comment, shown in the patient's portal.

    Append-only: a reply is never edited or deleted (the admin is read-only, and rows are
    protected by every foreign key that points at them).
    """

    session_log = models.ForeignKey(SessionLog, on_delete=models.PROTECT, related_name="replies")
    # Denormalised from the log so the portal's query is one indexed lookup by patient.
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="comment_replies"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(max_length=2000)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["patient", "-created_at"], name="exercises_reply_patient"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(body=""), name="exercises_commentreply_body_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"Reply of {self.created_at:%d %b %Y %H:%M}"


# Demonstration videos keep their model in their own package; importing it here registers it.
from exercises.videos.models import ExerciseVideo  # noqa: E402

__all__ = [
    "DOSE_FIELDS",
    "AlertAcknowledgement",
    "CommentRead",
    "CommentReply",
    "Exercise",
    "ExercisePlan",
    "ExerciseVideo",
    "PlanItem",
    "PlanVersion",
    "PlanWeek",
    "SessionLog",
    "SymptomReport",
]
