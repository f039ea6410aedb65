"""Model rows to FHIR R4 resources (JSON-ready dicts), one small builder per type.

The builders write plain dicts rather than `fhir.resources` models: building a pydantic model
per resource and serialising it again costs more than the page's queries, and the tests
validate every resource these functions can produce against the library's R4B models, so an
invalid resource still fails the build. Builders read only the rows (and the related rows the
selectors load with them): no queries here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

from assessments.diagnosis.schema import FIELDS

FHIR_VERSION = "4.3.0"  # R4B, the R4 release the tests validate against


def site_url(path: str) -> str:
    """A URL the clinic owns, for its own code systems, extensions and questionnaires."""
    return f"{settings.SITE_URL}/fhir/{path}"


RULES_VERSION_EXTENSION = site_url("StructureDefinition/diagnosis-rules-version")
DIAGNOSIS_SYSTEM = site_url("CodeSystem/diagnosis")
MEASURE_SYSTEM = site_url("CodeSystem/measure")
PATIENT_ID_SYSTEM = site_url("sid/patient")
PRE_VISIT_QUESTIONNAIRE = site_url("Questionnaire/pre-visit")
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
HL7 = "http://terminology.hl7.org/CodeSystem"


def ref(resource_type: str, resource_id, display: str = "") -> dict:
    reference = {"reference": f"{resource_type}/{resource_id}"}
    if display:
        reference["display"] = display
    return reference


def _instant(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat()


def _number(value) -> int | float:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _coding(system: str, code: str, display: str = "") -> dict:
    coding = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return coding


# --- Patient and EpisodeOfCare --------------------------------------------------------------

GENDER = {"female": "female", "male": "male", "other": "other", "not_stated": "unknown"}


def patient(row) -> dict:
    name = {"use": "official"}
    if row.last_name:
        name["family"] = row.last_name
    if row.first_name:
        name["given"] = [row.first_name]
    telecom = []
    if row.phone:
        telecom.append({"system": "phone", "value": str(row.phone)})
    if row.email:
        telecom.append({"system": "email", "value": row.email})
    resource = {
        "resourceType": "Patient",
        "id": str(row.public_id),
        "identifier": [{"system": PATIENT_ID_SYSTEM, "value": str(row.public_id)}],
        "active": row.archived_at is None,
        "name": [name],
        "gender": GENDER[row.sex],
        "birthDate": row.date_of_birth.isoformat(),
    }
    if telecom:
        resource["telecom"] = telecom
    return resource


def episode_of_care(row) -> dict:
    period = {"start": row.started_on.isoformat()}
    if row.discharged_on:
        period["end"] = row.discharged_on.isoformat()
    return {
        "resourceType": "EpisodeOfCare",
        "id": str(row.public_id),
        "status": "active" if row.is_open else "finished",
        "type": [
            {"text": f"Posterior thigh pain, episode {row.number} ({row.get_side_display()})"}
        ],
        "patient": ref("Patient", row.patient.public_id),
        "period": period,
    }


# --- Condition ------------------------------------------------------------------------------


def condition(row) -> dict:
    label = row.get_clinician_final_dx_display()
    text = row.other_dx_text if row.clinician_final_dx == "other" and row.other_dx_text else label
    episode = row.episode
    return {
        "resourceType": "Condition",
        "id": str(row.public_id),
        "extension": [{"url": RULES_VERSION_EXTENSION, "valueString": row.model_version}],
        "clinicalStatus": {
            "coding": [
                _coding(f"{HL7}/condition-clinical", "active" if episode.is_open else "resolved")
            ]
        },
        "verificationStatus": {"coding": [_coding(f"{HL7}/condition-ver-status", "confirmed")]},
        "category": [{"coding": [_coding(f"{HL7}/condition-category", "encounter-diagnosis")]}],
        "code": {
            "coding": [_coding(DIAGNOSIS_SYSTEM, row.clinician_final_dx, label)],
            "text": text,
        },
        "subject": ref("Patient", episode.patient.public_id),
        "recordedDate": _instant(row.confirmed_at),
    }


# --- Observation ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MeasureCode:
    field: str
    display: str
    unit: str  # UCUM
    category: str  # "survey" (patient-reported) or "exam" (measured by the clinician)
    loinc: str = ""


#: Observation slug -> the measure. LOINC where the clinic has confirmed a code (NPRS,
#: 72514-3); every measure also carries the clinic's own code, its slug.
MEASURES: dict[str, MeasureCode] = {
    "nprs-now": MeasureCode("nprs_now", "Pain now, 0 to 10 (NPRS)", "{score}", "survey", "72514-3"),
    "nprs-week": MeasureCode(
        "nprs_worst_week", "Worst pain in the past week, 0 to 10 (NPRS)", "{score}", "survey"
    ),
    "lefs": MeasureCode(
        "lefs_score", "Lower Extremity Functional Scale (LEFS) score", "{score}", "survey"
    ),
    "odi": MeasureCode("odi_percent", "Oswestry Disability Index (ODI)", "%", "survey"),
    "psfs": MeasureCode(
        "psfs_mean", "Patient-Specific Functional Scale (PSFS) mean", "{score}", "survey"
    ),
    "slr-affected": MeasureCode(
        "slr_angle_affected_deg", "Straight leg raise angle, affected side", "deg", "exam"
    ),
    "slr-other": MeasureCode(
        "slr_angle_other_deg", "Straight leg raise angle, other side", "deg", "exam"
    ),
    "slump-deficit": MeasureCode(
        "slump_knee_ext_deficit_deg", "Slump test knee extension deficit", "deg", "exam"
    ),
    "knee-flexion": MeasureCode(
        "knee_flexion_strength_pct",
        "Knee flexion strength, affected side as % of the other",
        "%",
        "exam",
    ),
}
#: Measures read from assessments, and from the re-tests of a treatment session.
ASSESSMENT_MEASURES = tuple(slug for slug in MEASURES if slug != "knee-flexion")
RETEST_MEASURES = ("slr-affected", "slr-other", "slump-deficit", "knee-flexion")


def _measure_code(slug: str) -> dict:
    measure = MEASURES[slug]
    coding = [_coding(MEASURE_SYSTEM, slug, measure.display)]
    if measure.loinc:
        coding.insert(0, _coding(LOINC, measure.loinc, measure.display))
    return {"coding": coding, "text": measure.display}


def _observation(*, obs_id: str, slug: str, value, patient_id, effective: str) -> dict:
    measure = MEASURES[slug]
    return {
        "resourceType": "Observation",
        "id": obs_id,
        "status": "final",
        "category": [{"coding": [_coding(f"{HL7}/observation-category", measure.category)]}],
        "code": _measure_code(slug),
        "subject": ref("Patient", patient_id),
        "effectiveDateTime": effective,
        "valueQuantity": {
            "value": _number(value),
            "unit": measure.unit,
            "system": UCUM,
            "code": measure.unit,
        },
    }


def observation_from_assessment(row, slug: str) -> dict:
    resource = _observation(
        obs_id=f"{row.public_id}.{slug}",
        slug=slug,
        value=getattr(row, MEASURES[slug].field),
        patient_id=row.episode.patient.public_id,
        effective=row.assessed_on.isoformat(),
    )
    resource["method"] = {"text": f"{row.get_kind_display()} assessment"}
    return resource


def observation_from_retest(row, slug: str) -> dict:
    session = row.session
    resource = _observation(
        obs_id=f"{session.public_id}.{row.phase}.{slug}",
        slug=slug,
        value=getattr(row, MEASURES[slug].field),
        patient_id=session.episode.patient.public_id,
        effective=_instant(session.appointment.start),
    )
    resource["method"] = {"text": f"Re-test {row.get_phase_display().lower()}"}
    resource["encounter"] = ref("Encounter", session.public_id)
    return resource


# --- QuestionnaireResponse ------------------------------------------------------------------


def _answers(value) -> list[dict]:
    values = value if isinstance(value, list) else [value]
    answers = []
    for one in values:
        if one is None or one == "":
            continue
        if isinstance(one, bool):
            answers.append({"valueBoolean": one})
        elif isinstance(one, int):
            answers.append({"valueInteger": one})
        elif isinstance(one, float | Decimal):
            answers.append({"valueDecimal": _number(one)})
        else:
            answers.append({"valueString": str(one)})
    return answers


def questionnaire_response(row) -> dict:
    items = []
    for name, value in sorted((row.answers or {}).items()):
        answers = _answers(value)
        if not answers:
            continue
        spec = FIELDS.get(name)
        item = {"linkId": name, "answer": answers}
        if spec is not None:
            item["text"] = spec.label
        items.append(item)
    resource = {
        "resourceType": "QuestionnaireResponse",
        "id": str(row.public_id),
        "questionnaire": PRE_VISIT_QUESTIONNAIRE,
        "status": "completed",
        "subject": ref("Patient", row.patient.public_id),
        "authored": _instant(row.submitted_at),
        "author": ref("Patient", row.patient.public_id),
    }
    if items:
        resource["item"] = items
    return resource


# --- CarePlan -------------------------------------------------------------------------------

PLAN_STATUS = {"draft": "draft", "active": "active", "paused": "on-hold", "completed": "completed"}
ACTIVITY_STATUS = {
    "draft": "not-started",
    "active": "in-progress",
    "paused": "on-hold",
    "completed": "completed",
}


def care_plan_id(plan, number: int) -> str:
    return f"{plan.public_id}.v{number}"


def care_plan(row) -> dict:
    """One published version of an exercise plan. The version in force carries the plan's
    status; an earlier one is "revoked" (FHIR: ended, possibly replaced by a new plan), and
    each later version `replaces` the one before."""
    plan = row.plan
    current = plan.current_version_id == row.pk
    status = PLAN_STATUS[plan.status] if current else "revoked"
    activity_status = ACTIVITY_STATUS[plan.status] if current else "stopped"
    activities = []
    for item in row.items:
        detail = {
            "status": activity_status,
            "code": {"text": item.get("name") or item.get("key", "Exercise")},
        }
        description = " ".join(
            part for part in (item.get("dose_text"), item.get("note")) if part
        ).strip()
        if description:
            detail["description"] = description
        activities.append({"detail": detail})
    resource = {
        "resourceType": "CarePlan",
        "id": care_plan_id(plan, row.number),
        "status": status,
        "intent": "plan",
        "title": f"Home exercise plan, version {row.number}",
        "subject": ref("Patient", plan.patient.public_id),
        "created": _instant(row.published_at),
    }
    if row.change_summary:
        resource["description"] = row.change_summary
    if plan.start_date:
        period = {"start": plan.start_date.isoformat()}
        if plan.end_date:
            period["end"] = plan.end_date.isoformat()
        resource["period"] = period
    if row.number > 1:
        resource["replaces"] = [ref("CarePlan", care_plan_id(plan, row.number - 1))]
    if activities:
        resource["activity"] = activities
    return resource


# --- Appointment and Encounter --------------------------------------------------------------

APPOINTMENT_STATUS = {
    "booked": "booked",
    "arrived": "arrived",
    "completed": "fulfilled",
    "cancelled": "cancelled",
    "no_show": "noshow",
}


def _person(user) -> str:
    return user.get_full_name() or "Clinic therapist"


def appointment(row) -> dict:
    """What reception may see too: time, type and who, never the staff notes."""
    resource = {
        "resourceType": "Appointment",
        "id": str(row.public_id),
        "status": APPOINTMENT_STATUS[row.status],
        "serviceType": [{"text": row.appointment_type.name}],
        "start": _instant(row.start),
        "end": _instant(row.end),
        "participant": [
            {
                "actor": ref("Patient", row.patient.public_id, row.patient.full_name),
                "status": "accepted",
            },
            {"actor": {"display": _person(row.therapist)}, "status": "accepted"},
        ],
    }
    if row.status == "cancelled" and row.cancellation_reason:
        resource["cancelationReason"] = {"text": row.cancellation_reason}
    return resource


def encounter(row) -> dict:
    visit = row.appointment
    return {
        "resourceType": "Encounter",
        "id": str(row.public_id),
        "status": "finished",
        "class": _coding(f"{HL7}/v3-ActCode", "AMB", "ambulatory"),
        "type": [{"text": "Physiotherapy treatment session"}],
        "subject": ref("Patient", row.episode.patient.public_id),
        "episodeOfCare": [ref("EpisodeOfCare", row.episode.public_id)],
        "appointment": [ref("Appointment", visit.public_id)],
        "participant": [{"individual": {"display": _person(row.therapist)}}],
        "period": {"start": _instant(visit.start), "end": _instant(visit.end)},
    }
