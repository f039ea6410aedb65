"""The resource types the FHIR API serves: one entry each, and nothing served elsewhere.

The URLconf routes /fhir/<type> through this registry, the CapabilityStatement is written
from it, and the exports walk it, so what is served, what is advertised and what is exported
cannot drift apart (tests/interop/test_capability.py checks the first two against requests).

Each type says who may read it, which rows are its resources (in a stable order, with the
related rows its builder reads loaded in the same query), how a search narrows them, and how
a page or the whole set is read: a page is one query (Observation: three), however many rows
the table holds; the exports stream through `iterator()`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

from django.db.models import CharField, Exists, F, IntegerField, OuterRef, Q, QuerySet, Value
from django.db.models.functions import TruncDate

from assessments.models import Assessment, AssessmentDecision, PreVisitQuestionnaire
from bookings.models import Appointment
from clinic.access import CLINICAL, STAFF
from exercises.models import PlanVersion
from interop import resources
from interop.params import Search, day_range
from patients.models import Episode, Patient
from treatment.models import Retest, TreatmentSession

CHUNK = 500
#: A resource and the patient it is about (for the audit trail).
Entry = tuple[dict, Patient]


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _edge(day: dt.date, is_datetime: bool):
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC) if is_datetime else day


def narrow(
    rows: QuerySet, search: Search, *, patient_path: str, date_path: str, is_datetime: bool
) -> QuerySet:
    """`rows` narrowed by the search's patient, ids and date bounds (whole UTC days)."""
    if search.patient is not None:
        rows = rows.filter(**{patient_path: search.patient})
    if search.ids:
        rows = rows.filter(public_id__in=search.ids)
    for bound in search.dates:
        start, end = day_range(bound)
        if start is not None:
            rows = rows.filter(**{f"{date_path}__gte": _edge(start, is_datetime)})
        if end is not None:
            rows = rows.filter(**{f"{date_path}__lt": _edge(end, is_datetime)})
    return rows


class ResourceType:
    name = ""
    roles: tuple[str, ...] = CLINICAL
    params: tuple[str, ...] = ("patient", "date")
    documentation = ""
    #: Lookups from a row to its patient's public id, and to the date a search filters on.
    patient_path = ""
    date_path = ""
    date_is_datetime = True
    date_meaning = ""

    def rows(self) -> QuerySet:
        raise NotImplementedError

    def build(self, row) -> dict:
        raise NotImplementedError

    def patient_of(self, row) -> Patient:
        raise NotImplementedError

    def id_filter(self, resource_id: str) -> Q | None:
        found = _uuid(resource_id)
        return None if found is None else Q(public_id=found)

    def narrow(self, rows: QuerySet, search: Search) -> QuerySet:
        return narrow(
            rows,
            search,
            patient_path=self.patient_path,
            date_path=self.date_path,
            is_datetime=self.date_is_datetime,
        )

    def read(self, resource_id: str) -> Entry | None:
        """The resource with this id, or None (one query; none for a malformed id)."""
        condition = self.id_filter(resource_id)
        if condition is None:
            return None
        row = self.rows().filter(condition).first()
        return None if row is None else (self.build(row), self.patient_of(row))

    def page(self, search: Search) -> tuple[list[Entry], bool]:
        """One page of the search and whether more follow (one query)."""
        rows = list(
            self.narrow(self.rows(), search)[search.offset : search.offset + search.count + 1]
        )
        return [(self.build(row), self.patient_of(row)) for row in rows[: search.count]], (
            len(rows) > search.count
        )

    def stream(self, *, patient: Patient | None = None) -> Iterator[dict]:
        """Every resource (or every one of `patient`), read in chunks, never all at once."""
        rows = self.rows()
        if patient is not None:
            rows = rows.filter(**{self.patient_path: patient.public_id})
        for row in rows.iterator(chunk_size=CHUNK):
            yield self.build(row)

    def count(self) -> int:
        return self.rows().count()


class PatientType(ResourceType):
    name = "Patient"
    roles = STAFF
    params = ("_id",)
    documentation = "Every patient, archived ones too (active false). Reception may read it."
    patient_path = "public_id"

    def rows(self):
        return Patient.objects.order_by("id")

    def build(self, row):
        return resources.patient(row)

    def patient_of(self, row):
        return row


class EpisodeOfCareType(ResourceType):
    name = "EpisodeOfCare"
    documentation = "Each injury episode: active while open, finished once discharged."
    patient_path = "patient__public_id"
    date_path = "started_on"
    date_is_datetime = False
    date_meaning = "the day the episode's symptoms began"

    def rows(self):
        return Episode.objects.select_related("patient").order_by("started_on", "id")

    def build(self, row):
        return resources.episode_of_care(row)

    def patient_of(self, row):
        return row.patient


class ConditionType(ResourceType):
    name = "Condition"
    documentation = (
        "The confirmed diagnosis of each episode (the newest decision; earlier ones are not "
        "served), with the diagnosis rules version as an extension "
        f"({resources.RULES_VERSION_EXTENSION})."
    )
    patient_path = "episode__patient__public_id"
    date_path = "confirmed_at"
    date_meaning = "the day the diagnosis was confirmed (recordedDate, UTC)"

    def rows(self):
        later = AssessmentDecision.objects.filter(episode=OuterRef("episode")).filter(
            Q(confirmed_at__gt=OuterRef("confirmed_at"))
            | Q(confirmed_at=OuterRef("confirmed_at"), id__gt=OuterRef("id"))
        )
        return (
            AssessmentDecision.objects.exclude(Exists(later))
            .select_related("episode__patient")
            .order_by("confirmed_at", "id")
        )

    def build(self, row):
        return resources.condition(row)

    def patient_of(self, row):
        return row.episode.patient


def _assessments_in_force() -> QuerySet:
    return Assessment.objects.filter(status=Assessment.Status.FINAL).exclude(
        superseded_by__status=Assessment.Status.FINAL
    )


def _sessions_in_force() -> QuerySet:
    return TreatmentSession.objects.filter(status=TreatmentSession.Status.SIGNED).exclude(
        superseded_by__status=TreatmentSession.Status.SIGNED
    )


class ObservationType(ResourceType):
    """Outcome measures from final assessments (the version in force) and the objective
    re-tests of signed treatment sessions: one Observation per recorded value. Ids are
    "<assessment id>.<measure>" and "<session id>.<before|after>.<measure>"."""

    name = "Observation"
    documentation = (
        "Outcome measures (NPRS, LOINC 72514-3; LEFS, ODI, PSFS) and objective tests (SLR "
        "angles, slump knee-extension deficit, knee flexion strength) from final assessments "
        f"and signed treatment sessions' re-tests. Codes: {resources.MEASURE_SYSTEM}."
    )
    date_meaning = "the day of the assessment or treatment session"
    ASSESSMENT, RETEST = 0, 1

    def _assessment_rows(self, search: Search | None = None) -> QuerySet:
        rows = _assessments_in_force().select_related("episode__patient")
        if search is None:
            return rows
        return narrow(
            rows,
            search,
            patient_path="episode__patient__public_id",
            date_path="assessed_on",
            is_datetime=False,
        )

    def _retest_rows(self, search: Search | None = None) -> QuerySet:
        rows = Retest.objects.filter(session__in=_sessions_in_force()).select_related(
            "session__episode__patient", "session__appointment"
        )
        if search is None:
            return rows
        return narrow(
            rows,
            search,
            patient_path="session__episode__patient__public_id",
            date_path="session__appointment__start",
            is_datetime=True,
        )

    def _values(self, source: int, slug: str, rows: QuerySet, field: str, day) -> QuerySet:
        return (
            rows.filter(**{f"{field}__isnull": False})
            .order_by()
            .annotate(
                source=Value(source, output_field=IntegerField()),
                slug=Value(slug, output_field=CharField()),
                day=day,
            )
            .values_list("day", "source", "id", "slug")
        )

    def page(self, search: Search) -> tuple[list[Entry], bool]:
        """One query finds the page's (row, measure) pairs across every measure column of
        both tables; one more per table loads the page's rows."""
        assessments = self._assessment_rows(search)
        retests = self._retest_rows(search)
        parts = [
            self._values(
                self.ASSESSMENT, slug, assessments, resources.MEASURES[slug].field, F("assessed_on")
            )
            for slug in resources.ASSESSMENT_MEASURES
        ] + [
            self._values(
                self.RETEST,
                slug,
                retests,
                resources.MEASURES[slug].field,
                TruncDate("session__appointment__start"),
            )
            for slug in resources.RETEST_MEASURES
        ]
        combined = parts[0].union(*parts[1:], all=True).order_by("day", "source", "id", "slug")
        found = list(combined[search.offset : search.offset + search.count + 1])
        more = len(found) > search.count
        found = found[: search.count]
        wanted = {
            source: [row_id for _, src, row_id, _ in found if src == source]
            for source in (self.ASSESSMENT, self.RETEST)
        }
        loaded = {
            self.ASSESSMENT: (
                Assessment.objects.select_related("episode__patient").in_bulk(
                    wanted[self.ASSESSMENT]
                )
                if wanted[self.ASSESSMENT]
                else {}
            ),
            self.RETEST: (
                Retest.objects.select_related(
                    "session__episode__patient", "session__appointment"
                ).in_bulk(wanted[self.RETEST])
                if wanted[self.RETEST]
                else {}
            ),
        }
        return [
            self._entry(source, loaded[source][row_id], slug) for _, source, row_id, slug in found
        ], more

    def _entry(self, source: int, row, slug: str) -> Entry:
        if source == self.ASSESSMENT:
            return resources.observation_from_assessment(row, slug), row.episode.patient
        return resources.observation_from_retest(row, slug), row.session.episode.patient

    def read(self, resource_id: str) -> Entry | None:
        parts = resource_id.split(".")
        found = _uuid(parts[0])
        if found is None:
            return None
        if len(parts) == 2 and parts[1] in resources.ASSESSMENT_MEASURES:
            row = self._assessment_rows().filter(public_id=found).first()
            source = self.ASSESSMENT
        elif (
            len(parts) == 3
            and parts[1] in ("before", "after")
            and parts[2] in resources.RETEST_MEASURES
        ):
            row = self._retest_rows().filter(session__public_id=found, phase=parts[1]).first()
            source = self.RETEST
        else:
            return None
        slug = parts[-1]
        if row is None or getattr(row, resources.MEASURES[slug].field) is None:
            return None
        return self._entry(source, row, slug)

    def stream(self, *, patient: Patient | None = None) -> Iterator[dict]:
        assessments = self._assessment_rows()
        retests = self._retest_rows()
        if patient is not None:
            assessments = assessments.filter(episode__patient=patient)
            retests = retests.filter(session__episode__patient=patient)
        for row in assessments.order_by("id").iterator(chunk_size=CHUNK):
            for slug in resources.ASSESSMENT_MEASURES:
                if getattr(row, resources.MEASURES[slug].field) is not None:
                    yield resources.observation_from_assessment(row, slug)
        for row in retests.order_by("id").iterator(chunk_size=CHUNK):
            for slug in resources.RETEST_MEASURES:
                if getattr(row, resources.MEASURES[slug].field) is not None:
                    yield resources.observation_from_retest(row, slug)

    def count(self) -> int:
        return self._assessment_rows().count() + self._retest_rows().count()


class QuestionnaireResponseType(ResourceType):
    name = "QuestionnaireResponse"
    documentation = f"The pre-visit questionnaire ({resources.PRE_VISIT_QUESTIONNAIRE})."
    patient_path = "patient__public_id"
    date_path = "submitted_at"
    date_meaning = "the day the questionnaire was sent in (UTC)"

    def rows(self):
        return PreVisitQuestionnaire.objects.select_related("patient").order_by(
            "submitted_at", "id"
        )

    def build(self, row):
        return resources.questionnaire_response(row)

    def patient_of(self, row):
        return row.patient


class CarePlanType(ResourceType):
    name = "CarePlan"
    documentation = (
        "Each published version of a home exercise plan, its exercises as activities. Ids are "
        '"<plan id>.v<version>"; a later version replaces the one before, which is revoked.'
    )
    patient_path = "plan__patient__public_id"
    date_path = "published_at"
    date_meaning = "the day the version was published (UTC)"

    def rows(self):
        return PlanVersion.objects.select_related("plan__patient").order_by("published_at", "id")

    def id_filter(self, resource_id):
        plan_id, _, number = resource_id.partition(".v")
        found = _uuid(plan_id)
        if found is None or not number.isdigit():
            return None
        return Q(plan__public_id=found, number=int(number))

    def build(self, row):
        return resources.care_plan(row)

    def patient_of(self, row):
        return row.plan.patient


class AppointmentType(ResourceType):
    name = "Appointment"
    roles = STAFF
    documentation = "Appointments of every status, without staff notes. Reception may read it."
    patient_path = "patient__public_id"
    date_path = "start"
    date_meaning = "the day the appointment starts (UTC)"

    def rows(self):
        return Appointment.objects.select_related(
            "patient", "therapist", "appointment_type"
        ).order_by("start", "id")

    def build(self, row):
        return resources.appointment(row)

    def patient_of(self, row):
        return row.patient


class EncounterType(ResourceType):
    name = "Encounter"
    documentation = "Signed treatment sessions (the version in force of an amended note)."
    patient_path = "episode__patient__public_id"
    date_path = "appointment__start"
    date_meaning = "the day of the session (UTC)"

    def rows(self):
        return (
            _sessions_in_force()
            .select_related("episode__patient", "appointment", "therapist")
            .order_by("appointment__start", "id")
        )

    def build(self, row):
        return resources.encounter(row)

    def patient_of(self, row):
        return row.episode.patient


REGISTRY: dict[str, ResourceType] = {
    kind.name: kind
    for kind in (
        PatientType(),
        EpisodeOfCareType(),
        ConditionType(),
        ObservationType(),
        QuestionnaireResponseType(),
        CarePlanType(),
        AppointmentType(),
        EncounterType(),
    )
}
