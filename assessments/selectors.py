"""Reads of assessments and decisions, scoped by who is asking.

Only clinical roles (therapists, the manager) may read clinical content; for anyone else the
scoped selectors raise 404.
"""

from __future__ import annotations

from uuid import UUID

from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils import formats, timezone

from assessments.models import Assessment, AssessmentDecision, PreVisitQuestionnaire
from clinic import audit
from clinic.access import CLINICAL, has_role


def assessments_for_user(*, user) -> QuerySet[Assessment]:
    if not has_role(user, CLINICAL):
        return Assessment.objects.none()
    return Assessment.objects.all()


def assessment_for_user(*, user, public_id: UUID | str) -> Assessment:
    """One assessment with its episode, patient, author and neighbouring versions, or 404."""
    try:
        assessment = (
            assessments_for_user(user=user)
            .select_related(
                "episode__patient", "therapist", "finalised_by", "supersedes", "superseded_by"
            )
            .get(public_id=public_id)
        )
    except (Assessment.DoesNotExist, ValueError, TypeError):
        raise Http404("No such assessment") from None
    audit.note_patient(assessment.episode.patient, assessment)
    return assessment


def assessment_decisions(*, assessment: Assessment) -> list[AssessmentDecision]:
    """Decisions on this version, newest (the one in force) first."""
    return list(assessment.decisions.select_related("confirmed_by"))


def assessment_baseline(*, assessment: Assessment) -> Assessment | None:
    """The measures a follow-up is compared with: the newest final intake on the episode."""
    return (
        Assessment.objects.filter(
            episode_id=assessment.episode_id,
            kind=Assessment.Kind.INTAKE,
            status=Assessment.Status.FINAL,
            superseded_by__isnull=True,
        )
        .order_by("-assessed_on", "-created_at")
        .first()
    )


_AUTHOR = ("first_name", "last_name", "email")  # what a user's name is made of


def assessments_of_patient(*, patient) -> QuerySet[Assessment]:
    """Every version of every assessment of a patient, for listing: who, what, when and the
    later version if any. The findings are not loaded (a hundred columns a row)."""
    return (
        Assessment.objects.filter(episode__patient=patient)
        .select_related("therapist", "superseded_by")
        .only(
            "public_id",
            "episode_id",
            "kind",
            "status",
            "version",
            "finalised_at",
            "created_at",
            "superseded_by__id",
            *(f"therapist__{name}" for name in _AUTHOR),
        )
    )


def decisions_of_patient(*, patient) -> QuerySet[AssessmentDecision]:
    """Every decision on a patient's episodes, for listing (no findings or scores loaded)."""
    return (
        AssessmentDecision.objects.filter(episode__patient=patient)
        .select_related("assessment", "confirmed_by")
        .only(
            "episode_id",
            "clinician_final_dx",
            "suggested_dx",
            "confirmed_at",
            "assessment__public_id",
            *(f"confirmed_by__{name}" for name in _AUTHOR),
        )
    )


def episode_confirmed_decision(*, episode) -> AssessmentDecision | None:
    """The decision in force on an episode: the newest confirmed one, or None.

    The result has `.final_dx` (a SPEC 2.8 value such as "neural"), `.confirmed_at` (aware,
    UTC) and `.findings` (the SPEC-named inputs the engine saw, e.g. `directional_preference`,
    `affected_side`; unrecorded findings are absent). Callers must not change it: decisions are
    append-only. One query.
    """
    return (
        AssessmentDecision.objects.filter(episode=episode).order_by("-confirmed_at", "-id").first()
    )


def patient_confirmed_decisions(*, patient) -> list[AssessmentDecision]:
    """The decision in force on each of the patient's episodes, newest episode first."""
    latest: dict[int, AssessmentDecision] = {}
    decisions = (
        AssessmentDecision.objects.filter(episode__patient=patient)
        .select_related("episode")
        .order_by("-confirmed_at", "-id")
    )
    for decision in decisions:
        latest.setdefault(decision.episode_id, decision)
    return sorted(latest.values(), key=lambda decision: decision.confirmed_at, reverse=True)


def questionnaire_for_episode(*, patient, episode=None) -> PreVisitQuestionnaire | None:
    """The patient's answers for this episode, else their answers given before any episode."""
    return (
        PreVisitQuestionnaire.objects.filter(patient=patient)
        .filter(
            Q(episode=episode) | Q(episode__isnull=True) if episode else Q(episode__isnull=True)
        )
        .order_by(F("episode_id").asc(nulls_last=True), "-submitted_at")
        .first()
    )


def intake_prefill(*, episode) -> tuple[dict[str, object], str]:
    """Starting values for a new intake on `episode`, and a note saying where they came from.

    Context findings come from the patient record and the episode; the patient's pre-visit
    questionnaire, when there is one, fills in (and takes precedence for) what they answered.
    """
    patient = episode.patient
    initial: dict[str, object] = {"affected_side": episode.side}
    age = patient.age_on(timezone.localdate())
    if 12 <= age <= 100:
        initial["age_years"] = age
    initial["sex"] = patient.sex
    if patient.weekly_km is not None:
        initial["weekly_running_km"] = patient.weekly_km
    if patient.main_terrain:
        initial["main_terrain"] = patient.main_terrain
    source = "from the patient record"
    questionnaire = questionnaire_for_episode(patient=patient, episode=episode)
    if questionnaire is not None:
        initial.update(questionnaire.answers)
        day = formats.date_format(timezone.localtime(questionnaire.submitted_at), "j M Y")
        source = f"from the patient's questionnaire, {day}, and the patient record"
    return initial, source


def patient_has_final_intake(*, patient) -> bool:
    """Whether an open episode of the patient already has a final intake assessment."""
    return Assessment.objects.filter(
        episode__patient=patient,
        episode__status="open",
        kind=Assessment.Kind.INTAKE,
        status=Assessment.Status.FINAL,
    ).exists()
