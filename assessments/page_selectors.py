"""The assessment page's one read: the assessment, its decisions and the episode's working
diagnoses in a single statement (three before), compiled once per process (clinic/rows.py).

The page is the most viewed clinical page after the patient's; each statement costs the database
server about as much as a million instructions of the page's own Python, so the two lists ride
along as JSON columns (`json_rows`) and `selectors.assessment_decisions` and
`selectors.episode_working_diagnoses` answer from them without a query.
"""

from __future__ import annotations

from uuid import UUID

from django.db.models import BooleanField, DateTimeField, OuterRef, QuerySet, UUIDField

from assessments.models import Assessment, AssessmentDecision, WorkingDiagnosis
from assessments.selectors import _AUTHOR, _decisions_on, _found, _key, _working_diagnoses
from clinic import json_rows
from clinic.rows import prepared_list

#: What the page reads of a neighbouring version: its link, number and status.
_NEIGHBOUR_SHOWN = {"id", "public_id", "version", "status", "supersedes"}
#: What the page reads of the related rows it joins: the episode's link and number, the
#: patient's name and link (and key, for the audit trail), the author's name. The rest (the
#: patient's phone number, parsed on every read, contact details and goals; the author's
#: password, flags and dates) is deferred: a read of it by mistake costs a statement, which
#: the pinned counts catch.
_RELATED_SHOWN = {
    "episode": {"id", "public_id", "number", "patient"},
    "episode__patient": {"id", "public_id", "first_name", "last_name"},
    "therapist": {"id", "first_name", "last_name", "email"},
}
_DECISION_FIELDS = tuple(
    field.attname
    for field in AssessmentDecision._meta.concrete_fields
    if field.name != "findings"  # the engine's inputs: the page shows the assessment's own
)
_WORKING_FIELDS = tuple(field.attname for field in WorkingDiagnosis._meta.concrete_fields)
_WORKING_ANNOTATIONS = {
    "confirmed_at_later": DateTimeField(),
    "replaced": BooleanField(),
    "assessment_public_id": UUIDField(),
}


def assessment_page_for_user(*, user, public_id: UUID | str) -> Assessment:
    """`assessment_for_user` for the assessment's own page, with its decisions and the
    episode's working diagnoses read in the same statement (one instead of three):
    `assessment_decisions` and `episode_working_diagnoses` then answer from it. Who finalised
    it is not read, and of the neighbouring versions only their key, number and status."""
    key = _key(public_id)
    assessment = _found(prepared_list("assessment_page_for_user", Assessment, _page_row, key=key))
    alias = assessment._state.db
    assessment.__dict__["_decisions"] = json_rows.instances(
        AssessmentDecision,
        alias,
        assessment.decision_rows,
        fields=_DECISION_FIELDS,
        related={"confirmed_by": _AUTHOR},
    )
    assessment.episode.__dict__["_working"] = json_rows.instances(
        WorkingDiagnosis,
        alias,
        assessment.working_rows,
        fields=_WORKING_FIELDS,
        related={"recorded_by": _AUTHOR},
        annotations=_WORKING_ANNOTATIONS,
    )
    del assessment.decision_rows, assessment.working_rows
    return assessment


def _page_row(*, key: UUID) -> QuerySet[Assessment]:
    hidden = [
        f"{neighbour}__{field.name}"
        for neighbour in ("supersedes", "superseded_by")
        for field in Assessment._meta.concrete_fields
        if field.name not in _NEIGHBOUR_SHOWN
    ]
    hidden += [
        f"{path}__{field.name}"
        for path, shown in _RELATED_SHOWN.items()
        for field in _related_model(path)._meta.concrete_fields
        if field.name not in shown
    ]
    return (
        Assessment.objects.select_related(
            "episode__patient", "therapist", "supersedes", "superseded_by"
        )
        .defer(*hidden)
        .filter(public_id=key)
        .order_by()
        .annotate(
            decision_rows=json_rows.rows_array(
                _decisions_on(assessment_id=OuterRef("pk")),
                fields=_DECISION_FIELDS,
                related={"confirmed_by": _AUTHOR},
            ),
            working_rows=json_rows.rows_array(
                _working_diagnoses().filter(episode_id=OuterRef("episode_id")),
                fields=_WORKING_FIELDS,
                related={"recorded_by": _AUTHOR},
                annotations=_WORKING_ANNOTATIONS,
            ),
        )
    )


def _related_model(path: str):
    model = Assessment
    for name in path.split("__"):
        model = model._meta.get_field(name).related_model
    return model
