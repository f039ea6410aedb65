"""Intake and follow-up assessments, and the clinician's decision on the engine's suggestion.

Every SPEC section 2 finding is a column of `Assessment`, generated from
`assessments.diagnosis.schema.FIELDS` so the contract has one source of truth. Null means
"not recorded" and is never read as "no". Allowed values and numeric ranges are enforced by
named CheckConstraints generated from the same schema; labels and help text live only in the
schema and the form, so rewording them never needs a migration.

A finalised assessment is never edited: an amendment is a new version row that supersedes
it, and the earlier version stays readable. Decisions are append-only.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.utils import timezone
from pydantic_core import from_json
from simple_history.models import HistoricalRecords

from assessments.diagnosis.schema import FIELDS, FieldSpec, Kind
from clinic.models import TimeStampedModel


def _finding_column(spec: FieldSpec) -> models.Field:
    if spec.kind is Kind.INT:
        return models.IntegerField(null=True, blank=True)
    if spec.kind is Kind.NUMBER:
        return models.DecimalField(
            max_digits=5, decimal_places=spec.decimal_places or 2, null=True, blank=True
        )
    if spec.kind is Kind.ENUM:
        return models.CharField(
            max_length=max(len(value) for value in spec.values), null=True, blank=True
        )
    if spec.kind is Kind.MULTI_ENUM:
        return models.JSONField(null=True, blank=True)
    if spec.kind is Kind.BOOL:
        return models.BooleanField(null=True, blank=True)
    raise ValueError(f"No column type for {spec.name} ({spec.kind})")


def _finding_constraint(spec: FieldSpec) -> models.CheckConstraint | None:
    not_recorded = models.Q(**{f"{spec.name}__isnull": True})
    if spec.kind is Kind.ENUM:
        allowed = models.Q(**{f"{spec.name}__in": list(spec.values)})
    elif spec.kind in (Kind.INT, Kind.NUMBER) and (
        spec.min_value is not None or spec.max_value is not None
    ):
        allowed = models.Q()
        if spec.min_value is not None:
            allowed &= models.Q(**{f"{spec.name}__gte": spec.min_value})
        if spec.max_value is not None:
            allowed &= models.Q(**{f"{spec.name}__lte": spec.max_value})
    else:
        return None
    return models.CheckConstraint(
        condition=not_recorded | allowed, name=f"assessments_assessment_{spec.name}_valid"
    )


FINDING_CONSTRAINTS = [
    constraint
    for constraint in (_finding_constraint(spec) for spec in FIELDS.values())
    if constraint is not None
]

Findings = type(
    "Findings",
    (models.Model,),
    {
        "__module__": __name__,
        "__doc__": "Abstract base: one nullable column per SPEC section 2 finding.",
        "Meta": type("Meta", (), {"abstract": True}),
        **{name: _finding_column(spec) for name, spec in FIELDS.items()},
    },
)


class StoredResultField(models.JSONField):
    """`JSONField` read with pydantic_core's `from_json` (jiter, in Rust), for the engine's
    stored result (some 5.7 KB of JSON, read on every view of the assessment page): the same
    values, types and key order as `json.loads` in fewer instructions
    (tests/assessments/test_stored_result.py holds the two together); a text it refuses goes
    to `JSONField`'s own reading. The same column to migrations (`deconstruct`)."""

    def from_db_value(self, value, expression, connection):
        if type(value) is str and self.decoder is None:
            try:
                return from_json(value)
            except ValueError:
                pass
        return super().from_db_value(value, expression, connection)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.JSONField", args, kwargs


class Assessment(TimeStampedModel, Findings):
    class Kind(models.TextChoices):
        INTAKE = "intake", "Intake"
        FOLLOW_UP = "follow_up", "Follow-up"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        FINAL = "final", "Final"

    episode = models.ForeignKey(
        "patients.Episode", on_delete=models.PROTECT, related_name="assessments"
    )
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assessments"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.INTAKE)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    assessed_on = models.DateField(default=timezone.localdate)
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
    finalised_at = models.DateTimeField(null=True, blank=True)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    prefilled_from = models.CharField(
        max_length=200,
        blank=True,
        help_text="Where the starting values came from, e.g. the patient's questionnaire.",
    )
    engine_result = StoredResultField(
        null=True,
        blank=True,
        editable=False,
        help_text="The engine's result for these findings, with what it was worked out from "
        "(assessments/stored_result.py); used only while that still matches.",
    )

    # The stored result is derived from the findings the history already keeps.
    history = HistoricalRecords(excluded_fields=["engine_result"])

    class Meta:
        ordering = ["-assessed_on", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["intake", "follow_up"]),
                name="assessments_assessment_kind_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status="draft", finalised_at__isnull=True)
                | models.Q(status="final", finalised_at__isnull=False),
                name="assessments_assessment_final_has_time",
            ),
            models.CheckConstraint(
                condition=models.Q(version=1, supersedes__isnull=True)
                | models.Q(version__gt=1, supersedes__isnull=False),
                name="assessments_assessment_version_matches_chain",
            ),
            models.CheckConstraint(
                condition=models.Q(supersedes__isnull=True) | ~models.Q(amendment_reason=""),
                name="assessments_assessment_amendment_has_reason",
            ),
            *FINDING_CONSTRAINTS,
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} assessment v{self.version} ({self.assessed_on})"

    @property
    def is_final(self) -> bool:
        return self.status == self.Status.FINAL

    def findings(self) -> dict[str, object]:
        """The recorded findings under their SPEC names; unrecorded ones are left out."""
        values = self.__dict__
        try:
            # Every finding loaded (the page reads them all): read from the instance's own
            # values in one comprehension, not through `getattr` in a loop (a third less).
            return {
                name: float(value) if isinstance(value, Decimal) else value
                for name in FIELDS
                if (value := values[name]) is not None
            }
        except KeyError:  # a deferred finding: read through its field (a statement)
            pass
        recorded = {}
        for name in FIELDS:
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, Decimal):
                value = float(value)
            recorded[name] = value
        return recorded


class AssessmentDecision(models.Model):
    """The clinician's final diagnosis for one assessment version (SPEC 2.8). Append-only:
    a later decision supersedes an earlier one, which stays in the record."""

    class FinalDx(models.TextChoices):
        NEURAL = "neural", "Neural tissue sensitivity"
        LUMBAR = "lumbar", "Referred from the lumbar spine"
        ACUTE_STRAIN = "acute_strain", "Acute hamstring strain"
        RED_FLAG_REFERRAL = "red_flag_referral", "Red flag: referred on"
        MIXED_NEURAL_LUMBAR = "mixed_neural_lumbar", "Mixed neural and lumbar"
        OTHER = "other", "Something else"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="decisions")
    episode = models.ForeignKey(
        "patients.Episode", on_delete=models.PROTECT, related_name="decisions"
    )
    clinician_final_dx = models.CharField(max_length=24, choices=FinalDx.choices)
    other_dx_text = models.TextField(blank=True)
    override_reason = models.TextField(blank=True)
    suggested_label = models.CharField(max_length=24)
    suggested_dx = models.CharField(max_length=24, choices=FinalDx.choices)
    red_flag_override_confirmed = models.BooleanField(default=False)
    model_version = models.CharField(max_length=32)
    score_snapshot = models.JSONField()
    findings = models.JSONField(help_text="The inputs the engine saw, under their SPEC names.")
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-confirmed_at", "-id"]
        indexes = [
            # The dashboard's open referrals (assessments.referrals.all_referrals) read the few
            # red-flag referrals among every decision.
            models.Index(
                fields=["episode"],
                name="assessments_decision_referral",
                condition=models.Q(clinician_final_dx="red_flag_referral"),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    clinician_final_dx__in=[
                        "neural",
                        "lumbar",
                        "acute_strain",
                        "red_flag_referral",
                        "mixed_neural_lumbar",
                        "other",
                    ]
                ),
                name="assessments_decision_final_dx_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(clinician_final_dx="other") | ~models.Q(other_dx_text=""),
                name="assessments_decision_other_is_named",
            ),
            models.CheckConstraint(
                condition=models.Q(clinician_final_dx=models.F("suggested_dx"))
                | ~models.Q(override_reason=""),
                name="assessments_decision_override_has_reason",
            ),
            models.CheckConstraint(
                condition=~models.Q(suggested_dx="red_flag_referral")
                | models.Q(clinician_final_dx="red_flag_referral")
                | models.Q(red_flag_override_confirmed=True),
                name="assessments_decision_red_flag_override_confirmed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_clinician_final_dx_display()} ({self.confirmed_at:%Y-%m-%d})"

    @property
    def final_dx(self) -> str:
        return self.clinician_final_dx

    @property
    def is_override(self) -> bool:
        return self.clinician_final_dx != self.suggested_dx

    @property
    def referral_tier(self) -> str:
        """How soon a confirmed red flag must be seen: "emergency", "same_day" or "urgent".

        A tier the rules did not give (the clinician chose the referral) or an older rules
        version's "urgent" (then 24 to 48 hours) reads as "same_day": never less urgent than
        it was meant."""
        tier = (self.score_snapshot or {}).get("tier")
        if tier not in REFERRAL_TIERS or (
            tier == "urgent" and self.model_version in RULES_BEFORE_SAME_DAY
        ):
            return "same_day"
        return tier

    def referral_due_at(self, time_zone: str) -> dt.datetime:
        """When the patient should have been seen by, for a referral confirmed now or earlier:
        an emergency at once, a same-day referral by the end of that day where the patient
        lives (`time_zone`, IANA), an urgent one within REFERRAL_URGENT_DAYS. Aware, UTC."""
        tier = self.referral_tier
        if tier == "emergency":
            return self.confirmed_at
        if tier == "urgent":
            return self.confirmed_at + dt.timedelta(days=REFERRAL_URGENT_DAYS)
        zone = ZoneInfo(time_zone)
        day = self.confirmed_at.astimezone(zone).date() + dt.timedelta(days=1)
        return dt.datetime.combine(day, dt.time(), tzinfo=zone).astimezone(dt.UTC)


#: The red-flag tiers of rules 1.2 (SPEC 3.9b, amendment 23), most urgent first.
REFERRAL_TIERS = ("emergency", "same_day", "urgent")
#: Rules versions whose "urgent" tier meant 24 to 48 hours (before SPEC 3.9b's three tiers).
RULES_BEFORE_SAME_DAY = frozenset({"1.0", "1.1"})
#: An "urgent" referral is to be seen within a week (SPEC 3.9b).
REFERRAL_URGENT_DAYS = 7


class ReferralOutcome(models.Model):
    """What happened after a confirmed red-flag referral (SPEC 3.9b, amendment 26).

    Append-only: each report is a new row ("seen, waiting for a scan", then "cleared") and the
    newest one counts. A referral is closed once its newest outcome clears the patient to
    resume, or says no further action is needed; until then it is open (on the dashboard, on
    the patient page, and for the patient's portal notice).
    """

    class SeenBy(models.TextChoices):
        GP = "gp", "GP"
        EMERGENCY = "emergency", "A&E (emergency department)"
        SPECIALIST = "specialist", "Specialist"
        OTHER = "other", "Other"

    class Cleared(models.TextChoices):
        YES = "yes", "Yes"
        NOT_YET = "not_yet", "Not yet"
        NO = "no", "No"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    decision = models.ForeignKey(
        AssessmentDecision, on_delete=models.PROTECT, related_name="referral_outcomes"
    )
    seen_on = models.DateField()
    seen_by = models.CharField(max_length=16, choices=SeenBy.choices)
    seen_by_detail = models.CharField(
        max_length=200, blank=True, help_text="Who or where, e.g. the hospital or the doctor."
    )
    result = models.TextField()
    cleared_to_resume = models.CharField(max_length=8, choices=Cleared.choices)
    no_further_action = models.BooleanField(
        default=False, help_text="Closes the referral even though the patient is not cleared."
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [
            models.Index(
                fields=["decision", "-recorded_at", "-id"],
                name="assessments_outcome_newest",
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(seen_by__in=["gp", "emergency", "specialist", "other"]),
                name="assessments_referraloutcome_seen_by_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(cleared_to_resume__in=["yes", "not_yet", "no"]),
                name="assessments_referraloutcome_cleared_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(seen_by="other") | ~models.Q(seen_by_detail=""),
                name="assessments_referraloutcome_other_is_named",
            ),
            models.CheckConstraint(
                condition=~models.Q(result=""),
                name="assessments_referraloutcome_result_given",
            ),
        ]

    def __str__(self) -> str:
        return f"Referral outcome ({self.seen_on}): {self.get_cleared_to_resume_display()}"

    @property
    def closes_referral(self) -> bool:
        """Whether this outcome, as the newest, closes its referral."""
        return self.cleared_to_resume == self.Cleared.YES or self.no_further_action


class PreVisitQuestionnaire(TimeStampedModel):
    """What the patient tells us before the first visit: the patient-completed findings
    (SPEC section 2, "P"), under their SPEC names. Starting values for the intake form."""

    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, related_name="questionnaires"
    )
    episode = models.ForeignKey(
        "patients.Episode",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="questionnaires",
    )
    answers = models.JSONField(default=dict)
    submitted_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-submitted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "episode"], name="assessments_questionnaire_one_per_episode"
            ),
            models.UniqueConstraint(
                fields=["patient"],
                condition=models.Q(episode__isnull=True),
                name="assessments_questionnaire_one_without_episode",
            ),
        ]

    def __str__(self) -> str:
        return f"Questionnaire of {self.patient} ({self.submitted_at:%Y-%m-%d})"


class WorkingDiagnosis(models.Model):
    """What the clinician works on while the engine's suggestion is indeterminate, and the
    test that will decide it (issue 15, section 2). Append-only: a later one replaces an
    earlier one, and a confirmed diagnosis (AssessmentDecision) on the episode supersedes them
    all; none is ever changed or deleted. Never shown to the patient."""

    class Dx(models.TextChoices):
        NEURAL = "neural", "Neural tissue sensitivity"
        LUMBAR = "lumbar", "Referred from the lumbar spine"
        ACUTE_STRAIN = "acute_strain", "Acute hamstring strain"
        MIXED_NEURAL_LUMBAR = "mixed_neural_lumbar", "Mixed neural and lumbar"
        OTHER = "other", "Something else"

    class DecidingTest(models.TextChoices):
        RETEST_AFTER_LUMBAR = (
            "retest_after_lumbar_treatment",
            "Test-treat-retest: slump and SLR again after lumbar treatment",
        )
        REPEATED_MOVEMENTS = "repeated_movements", "Repeated lumbar movements"
        IMAGING_OR_REFERRAL = "imaging_or_referral", "Imaging or referral"
        NEURAL_MOBILISATION = (
            "response_to_neural_mobilisation",
            "Response to neural mobilisation",
        )
        OTHER = "other", "Something else"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    assessment = models.ForeignKey(
        Assessment, on_delete=models.PROTECT, related_name="working_diagnoses"
    )
    episode = models.ForeignKey(
        "patients.Episode", on_delete=models.PROTECT, related_name="working_diagnoses"
    )
    working_dx = models.CharField(max_length=24, choices=Dx.choices)
    other_dx_text = models.CharField(max_length=200, blank=True)
    deciding_test = models.CharField(max_length=40, choices=DecidingTest.choices)
    deciding_test_note = models.TextField(blank=True)
    suggested_label = models.CharField(max_length=24)
    model_version = models.CharField(max_length=32)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [
            models.Index(
                fields=["episode", "-recorded_at", "-id"], name="assessments_working_newest"
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    working_dx__in=[
                        "neural",
                        "lumbar",
                        "acute_strain",
                        "mixed_neural_lumbar",
                        "other",
                    ]
                ),
                name="assessments_workingdiagnosis_dx_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    deciding_test__in=[
                        "retest_after_lumbar_treatment",
                        "repeated_movements",
                        "imaging_or_referral",
                        "response_to_neural_mobilisation",
                        "other",
                    ]
                ),
                name="assessments_workingdiagnosis_test_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(working_dx="other") | ~models.Q(other_dx_text=""),
                name="assessments_workingdiagnosis_other_is_named",
            ),
            models.CheckConstraint(
                condition=~models.Q(deciding_test="other") | ~models.Q(deciding_test_note=""),
                name="assessments_workingdiagnosis_other_test_is_named",
            ),
        ]

    def __str__(self) -> str:
        return f"Working diagnosis: {self.label} ({self.recorded_at:%Y-%m-%d})"

    @property
    def label(self) -> str:
        if self.working_dx == self.Dx.OTHER:
            return f"Something else: {self.other_dx_text}"
        return self.get_working_dx_display()

    @property
    def deciding_test_text(self) -> str:
        if self.deciding_test == self.DecidingTest.OTHER:
            return f"Something else: {self.deciding_test_note}"
        text = self.get_deciding_test_display()
        return f"{text} ({self.deciding_test_note})" if self.deciding_test_note else text

    @property
    def in_force(self) -> bool:
        """Neither replaced by a later working diagnosis nor superseded by a confirmed one
        (needs the `confirmed_at_later` and `replaced` annotations of the selectors)."""
        return getattr(self, "confirmed_at_later", None) is None and not getattr(
            self, "replaced", False
        )
