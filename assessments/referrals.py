"""Red-flag referrals and their outcomes (SPEC 3.9b, amendment 26), scoped by who is asking.

A referral is a decision whose final diagnosis is "red_flag_referral". It is *open* until its
newest outcome clears the patient to resume or records no further action (see
ReferralOutcome); each referral decision counts on its own, even if a later decision on the
episode says something else, because the patient was still sent on.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from uuid import UUID

from django.db.models import (
    BooleanField,
    ExpressionWrapper,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from assessments.models import (
    REFERRAL_TIERS,
    AssessmentDecision,
    ReferralOutcome,
)
from clinic import audit
from clinic.access import CLINICAL, has_role
from exercises.models import ExercisePlan

_RED_FLAG = AssessmentDecision.FinalDx.RED_FLAG_REFERRAL


def _newest_outcome() -> QuerySet[ReferralOutcome]:
    return ReferralOutcome.objects.filter(decision=OuterRef("pk")).order_by("-recorded_at", "-id")


def all_referrals() -> QuerySet[AssessmentDecision]:
    """Every referral, annotated `is_closed` and the newest outcome's `last_seen_on`,
    `last_cleared` and `last_result` (None when nothing is recorded yet)."""
    closes = ExpressionWrapper(
        Q(cleared_to_resume=ReferralOutcome.Cleared.YES) | Q(no_further_action=True),
        output_field=BooleanField(),
    )
    newest = _newest_outcome()
    return AssessmentDecision.objects.filter(clinician_final_dx=_RED_FLAG).annotate(
        is_closed=Coalesce(
            Subquery(newest.annotate(closes=closes).values("closes")[:1]),
            False,
            output_field=BooleanField(),
        ),
        last_seen_on=Subquery(newest.values("seen_on")[:1]),
        last_cleared=Subquery(newest.values("cleared_to_resume")[:1]),
        last_result=Subquery(newest.values("result")[:1]),
    )


def referrals_for_user(*, user) -> QuerySet[AssessmentDecision]:
    """The referrals a user looks after. The manager: all of them. A therapist: those of their
    patients, meaning the referrals they confirmed, on an assessment they recorded, or of a
    patient whose exercise plan they prescribed (as the dashboard's alerts and comments are
    scoped). Nobody outside the clinical roles gets any."""
    if not has_role(user, CLINICAL):
        return all_referrals().none()
    referrals = all_referrals()
    if not user.is_superuser:
        referrals = referrals.filter(
            Q(confirmed_by=user)
            | Q(assessment__therapist=user)
            # By the plans' patient ids (an index lookup) rather than a join and DISTINCT.
            | Q(
                episode__patient_id__in=ExercisePlan.objects.filter(created_by=user).values(
                    "patient_id"
                )
            )
        )
    return referrals


def open_referrals(*, user) -> QuerySet[AssessmentDecision]:
    """The user's open referrals (`referrals_for_user`), oldest first, with the patient joined
    in. Each row has `referral_tier`, `referral_due_at(zone)` and the annotations of the
    newest outcome (`last_seen_on`, `last_cleared`, `last_result`). Slice it to page it: one
    query a page, whatever the number of rows."""
    return (
        referrals_for_user(user=user)
        .filter(is_closed=False)
        .select_related("episode__patient")
        .only(
            "public_id",
            "episode_id",
            "score_snapshot",
            "model_version",
            "confirmed_at",
            "clinician_final_dx",
            "episode__number",
            "episode__patient__public_id",
            "episode__patient__first_name",
            "episode__patient__last_name",
            "episode__patient__time_zone",
        )
        .order_by("confirmed_at", "id")
    )


def referral_is_open(decision: AssessmentDecision) -> bool:
    """Whether a referral decision is still open: it is a red-flag referral and no outcome
    closing it is the newest one. False for any other decision. One query."""
    if decision.clinician_final_dx != _RED_FLAG:
        return False
    newest = decision.referral_outcomes.order_by("-recorded_at", "-id").first()
    return newest is None or not newest.closes_referral


def patient_open_referrals(*, patient) -> list[AssessmentDecision]:
    """The patient's open referrals, most urgent first and then oldest first: what the patient
    must still act on (for the portal's notice). One query; no access check (the caller
    already holds the patient)."""
    found = list(
        all_referrals()
        .filter(episode__patient=patient, is_closed=False)
        .order_by("confirmed_at", "id")
    )
    order = {tier: rank for rank, tier in enumerate(REFERRAL_TIERS)}
    return sorted(found, key=lambda decision: order[decision.referral_tier])


def referral_for_user(*, user, public_id: UUID | str) -> AssessmentDecision:
    """A referral a clinician may record an outcome for, with its patient and its outcomes
    (newest first, with who recorded them), or 404. Like assessments, every clinician may
    open any patient's referral; the dashboard only lists their own."""
    if not has_role(user, CLINICAL):
        raise Http404("No such referral")
    try:
        decision = (
            all_referrals()
            .select_related("episode__patient", "assessment", "confirmed_by")
            .prefetch_related(
                Prefetch(
                    "referral_outcomes",
                    queryset=ReferralOutcome.objects.select_related("recorded_by").order_by(
                        "-recorded_at", "-id"
                    ),
                )
            )
            .get(public_id=public_id)
        )
    except (AssessmentDecision.DoesNotExist, ValueError, TypeError):
        raise Http404("No such referral") from None
    audit.note_patient(decision.episode.patient, decision)
    return decision


def referrals_of_patient(*, patient) -> list[AssessmentDecision]:
    """Every referral of a patient, newest first, each with `is_closed` and its outcomes
    (newest first, with who recorded them) for the staff patient page. Two queries, none when
    the page has read the patient's decisions (`decisions_of_patient`) and none is a referral."""
    from assessments.selectors import decisions_already_read  # it reads referrals from here

    loaded = decisions_already_read(patient)
    if loaded is not None and all(d.clinician_final_dx != _RED_FLAG for d in loaded):
        return []
    return list(
        all_referrals()
        .filter(episode__patient=patient)
        .select_related("confirmed_by")
        .prefetch_related(
            Prefetch(
                "referral_outcomes",
                queryset=ReferralOutcome.objects.select_related("recorded_by").order_by(
                    "-recorded_at", "-id"
                ),
            )
        )
        .order_by("-confirmed_at", "-id")
    )


#: How each tier reads on staff pages.
REFERRAL_TIER_LABELS = {
    "emergency": "Emergency: A&E now",
    "same_day": "Same day",
    "urgent": "Urgent: within a week",
}


@dataclass(frozen=True)
class ReferralRow:
    """One open referral as the staff pages list it."""

    decision: AssessmentDecision
    patient: object
    tier: str
    tier_label: str
    opened_at: dt.datetime
    due_at: dt.datetime
    overdue: bool


def referral_rows(referrals, *, now: dt.datetime | None = None) -> list[ReferralRow]:
    """`open_referrals` rows with their tier and whether the tier's time has passed (an
    emergency at once, same-day after that day where the patient lives, urgent after a
    week). No query; notes each patient for the audit trail."""
    now = now or timezone.now()
    rows = []
    for decision in referrals:
        patient = decision.episode.patient
        audit.note_patient(patient, decision)
        due_at = decision.referral_due_at(patient.time_zone)
        rows.append(
            ReferralRow(
                decision=decision,
                patient=patient,
                tier=decision.referral_tier,
                tier_label=REFERRAL_TIER_LABELS[decision.referral_tier],
                opened_at=decision.confirmed_at,
                due_at=due_at,
                overdue=now >= due_at,
            )
        )
    return rows
