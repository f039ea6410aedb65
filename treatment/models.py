"""A treatment session: what happened at one attended appointment.

The note is a draft until the therapist signs it; a signed note never changes. An amendment is
a new version (a new row that supersedes the signed one, with a reason) and the earlier
version stays readable, as with assessments. The re-tests before and after treatment are one
row per phase, with a column per test (treatment/retests.py); the treatments given are rows of
a coded list. What the patient logged since the last visit, and the diagnosis engine's re-run
after a lumbar technique, are frozen into the session when it is signed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from assessments.diagnosis.schema import FIELDS, FieldSpec, Kind
from clinic.models import TimeStampedModel
from treatment.retests import RETEST_SPECS

RETEST_OUTCOMES = FIELDS["retest_after_lumbar_treatment"].values


class TreatmentSession(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SIGNED = "signed", "Signed"

    class RetestOutcome(models.TextChoices):
        NOT_DONE = "not_done", "Not done"
        NEURAL_SIGNS_IMPROVED = "neural_signs_improved", "Neural signs improved"
        NO_CHANGE = "no_change", "No change"
        WORSE = "worse", "Worse"

    # Every version of the note for one appointment points at it; the first version is
    # unique per appointment (a constraint), amendments chain through `supersedes`.
    appointment = models.ForeignKey(
        "bookings.Appointment", on_delete=models.PROTECT, related_name="treatment_sessions"
    )
    episode = models.ForeignKey(
        "patients.Episode", on_delete=models.PROTECT, related_name="treatment_sessions"
    )
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="treatment_sessions"
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    version = models.PositiveIntegerField(default=1)
    supersedes = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
        help_text="The earlier version this amendment replaces.",
    )
    amendment_reason = models.TextField(blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    patient_words = models.TextField(
        "In the patient's words", blank=True, help_text="How they say it has been since last time."
    )
    since_last_time = models.JSONField(
        null=True,
        blank=True,
        help_text="The patient's portal logs since the previous visit, frozen when signed.",
    )
    retest_after_lumbar_treatment = models.CharField(
        max_length=24, choices=RetestOutcome.choices, blank=True
    )
    plan_changes = models.TextField("Changes to the home plan", blank=True)
    review_on = models.DateField("Review on", null=True, blank=True)
    review_interval_weeks = models.PositiveSmallIntegerField(
        "Review in (weeks)", null=True, blank=True
    )
    diagnosis_rerun = models.JSONField(
        null=True,
        blank=True,
        help_text="The engine re-run on the episode's findings with this session's re-test "
        "(rules version, label, confidence and reasons, before and after), frozen when signed.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "signed"]),
                name="treatment_treatmentsession_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="draft", signed_at__isnull=True, signed_by__isnull=True)
                | Q(status="signed", signed_at__isnull=False, signed_by__isnull=False),
                name="treatment_treatmentsession_signed_has_time_and_signer",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(since_last_time__isnull=False),
                name="treatment_treatmentsession_signed_has_since_last_time",
            ),
            models.CheckConstraint(
                condition=Q(version=1, supersedes__isnull=True)
                | Q(version__gt=1, supersedes__isnull=False),
                name="treatment_treatmentsession_version_matches_chain",
            ),
            models.CheckConstraint(
                condition=Q(supersedes__isnull=True) | ~Q(amendment_reason=""),
                name="treatment_treatmentsession_amendment_has_reason",
            ),
            models.UniqueConstraint(
                fields=["appointment"],
                condition=Q(version=1),
                name="treatment_treatmentsession_one_per_appointment",
            ),
            models.CheckConstraint(
                condition=Q(retest_after_lumbar_treatment__in=["", *RETEST_OUTCOMES]),
                name="treatment_treatmentsession_retest_outcome_valid",
            ),
            models.CheckConstraint(
                condition=Q(review_interval_weeks__isnull=True)
                | Q(review_interval_weeks__gte=1, review_interval_weeks__lte=26),
                name="treatment_treatmentsession_review_interval_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Treatment session v{self.version} ({self.appointment_id})"

    @property
    def is_signed(self) -> bool:
        return self.status == self.Status.SIGNED


def _retest_column(spec: FieldSpec) -> models.Field:
    if spec.kind is Kind.INT:
        return models.SmallIntegerField(spec.label, null=True, blank=True)
    if spec.kind is Kind.ENUM:
        return models.CharField(
            spec.label, max_length=max(len(value) for value in spec.values), null=True, blank=True
        )
    if spec.kind is Kind.BOOL:
        return models.BooleanField(spec.label, null=True, blank=True)
    raise ValueError(f"No column type for re-test {spec.name} ({spec.kind})")


def _retest_constraint(spec: FieldSpec) -> models.CheckConstraint | None:
    name = f"treatment_retest_{spec.name}_valid"
    not_recorded = Q(**{f"{spec.name}__isnull": True})
    if spec.kind is Kind.ENUM:
        allowed = Q(**{f"{spec.name}__in": list(spec.values)})
    elif spec.kind is Kind.INT:
        allowed = Q(**{f"{spec.name}__gte": spec.min_value, f"{spec.name}__lte": spec.max_value})
    else:
        return None
    return models.CheckConstraint(condition=not_recorded | allowed, name=name)


RetestColumns = type(
    "RetestColumns",
    (models.Model,),
    {
        "__module__": __name__,
        "__doc__": "Abstract base: one nullable column per re-test (treatment/retests.py).",
        "Meta": type("Meta", (), {"abstract": True}),
        **{name: _retest_column(spec) for name, spec in RETEST_SPECS.items()},
    },
)


class Retest(RetestColumns):
    """The re-tests of one phase of a session: before or after treatment."""

    class Phase(models.TextChoices):
        BEFORE = "before", "Before treatment"
        AFTER = "after", "After treatment"

    session = models.ForeignKey(TreatmentSession, on_delete=models.PROTECT, related_name="retests")
    phase = models.CharField(max_length=8, choices=Phase.choices)

    history = HistoricalRecords()

    class Meta:
        ordering = ["session_id", "-phase"]  # "before" sorts after "after": before first
        constraints = [
            models.UniqueConstraint(
                fields=["session", "phase"], name="treatment_retest_one_per_phase"
            ),
            models.CheckConstraint(
                condition=Q(phase__in=["before", "after"]), name="treatment_retest_phase_valid"
            ),
            *[
                constraint
                for constraint in (_retest_constraint(spec) for spec in RETEST_SPECS.values())
                if constraint is not None
            ],
        ]

    def __str__(self) -> str:
        return f"{self.get_phase_display()} ({self.session_id})"

    def values(self) -> dict[str, object]:
        """The recorded re-tests under their names; tests not recorded are left out."""
        return {
            name: getattr(self, name) for name in RETEST_SPECS if getattr(self, name) is not None
        }


class ListedTreatments(models.Manager):
    """Treatments still on their session's list (a draft's removed rows are kept, unlisted)."""

    def get_queryset(self):
        return super().get_queryset().filter(removed=False)


class TreatmentGiven(models.Model):
    """One treatment given in the session, from a coded list, with a free note.

    Taking a treatment off a draft's list marks the row removed: nothing is deleted."""

    class Kind(models.TextChoices):
        NEURAL_MOBILISATION = "neural_mobilisation", "Neural mobilisation"
        LUMBAR_MOBILISATION = "lumbar_mobilisation", "Lumbar mobilisation"
        SOFT_TISSUE = "soft_tissue", "Soft tissue"
        EXERCISE_PROGRESSION = "exercise_progression", "Exercise progression"
        EDUCATION = "education", "Education"

    class Technique(models.TextChoices):
        SLIDER = "slider", "Slider"
        TENSIONER = "tensioner", "Tensioner"
        PA_CENTRAL = "pa_central", "Central PA glide"
        PA_UNILATERAL = "pa_unilateral", "Unilateral PA glide"
        ROTATION = "rotation", "Rotation"
        SNAG = "snag", "SNAG (sustained glide with movement)"

    class Level(models.TextChoices):
        L3 = "L3", "L3"
        L4 = "L4", "L4"
        L5 = "L5", "L5"
        S1 = "S1", "S1"
        MULTIPLE = "multiple", "Several levels"

    class Position(models.TextChoices):
        PRONE = "prone", "Lying face down"
        SIDE_LYING = "side_lying", "Lying on the side"
        SUPINE = "supine", "Lying on the back"
        SLUMP_SITTING = "slump_sitting", "Slump sitting"
        LONG_SITTING = "long_sitting", "Long sitting"
        STANDING = "standing", "Standing"

    NEURAL_TECHNIQUES = ("slider", "tensioner")
    LUMBAR_TECHNIQUES = ("pa_central", "pa_unilateral", "rotation", "snag")

    session = models.ForeignKey(
        TreatmentSession, on_delete=models.PROTECT, related_name="treatments"
    )
    position_in_list = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=24, choices=Kind.choices)
    technique = models.CharField(max_length=16, choices=Technique.choices, blank=True)
    level = models.CharField("Level", max_length=8, choices=Level.choices, blank=True)
    grade = models.PositiveSmallIntegerField(
        "Grade (I to V)", null=True, blank=True, help_text="Maitland grade, 1 to 5."
    )
    body_position = models.CharField(
        "Position", max_length=16, choices=Position.choices, blank=True
    )
    repetitions = models.PositiveSmallIntegerField(null=True, blank=True)
    note = models.TextField(blank=True, max_length=2000)
    removed = models.BooleanField(default=False)

    history = HistoricalRecords()
    all_objects = models.Manager()  # the base manager: removed rows included
    objects = ListedTreatments()

    class Meta:
        base_manager_name = "all_objects"
        default_manager_name = "objects"
        ordering = ["session_id", "position_in_list", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    kind__in=[
                        "neural_mobilisation",
                        "lumbar_mobilisation",
                        "soft_tissue",
                        "exercise_progression",
                        "education",
                    ]
                ),
                name="treatment_treatmentgiven_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(kind="neural_mobilisation", technique__in=["slider", "tensioner"])
                | Q(
                    kind="lumbar_mobilisation",
                    technique__in=["pa_central", "pa_unilateral", "rotation", "snag"],
                )
                | (~Q(kind__in=["neural_mobilisation", "lumbar_mobilisation"]) & Q(technique="")),
                name="treatment_treatmentgiven_technique_fits_kind",
            ),
            models.CheckConstraint(
                condition=Q(
                    kind="lumbar_mobilisation", level__in=["L3", "L4", "L5", "S1", "multiple"]
                )
                | (~Q(kind="lumbar_mobilisation") & Q(level="")),
                name="treatment_treatmentgiven_level_for_lumbar_only",
            ),
            models.CheckConstraint(
                condition=Q(grade__isnull=True) | Q(grade__gte=1, grade__lte=5),
                name="treatment_treatmentgiven_grade_range",
            ),
            models.CheckConstraint(
                condition=Q(
                    body_position__in=[
                        "",
                        "prone",
                        "side_lying",
                        "supine",
                        "slump_sitting",
                        "long_sitting",
                        "standing",
                    ]
                ),
                name="treatment_treatmentgiven_position_valid",
            ),
            models.CheckConstraint(
                condition=Q(repetitions__isnull=True) | Q(repetitions__gte=1, repetitions__lte=200),
                name="treatment_treatmentgiven_repetitions_range",
            ),
        ]

    def __str__(self) -> str:
        return self.get_kind_display()

    @property
    def grade_roman(self) -> str:
        return ("", "I", "II", "III", "IV", "V")[self.grade] if self.grade else ""
