"""Reads of assessments and decisions, scoped by who is asking.

Only clinical roles (therapists, the manager) may read clinical content; for anyone else the
scoped selectors raise 404.
"""

from __future__ import annotations

from uuid import UUID

from django.db import router
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    F,
    JSONField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.http import Http404
from django.utils import formats, timezone

from assessments import referrals, visits
from assessments.explain import COMPARED_FIELDS
from assessments.measures import KEYS as MEASURE_KEYS
from assessments.models import (
    Assessment,
    AssessmentDecision,
    PreVisitQuestionnaire,
    WorkingDiagnosis,
)
from assessments.rescreen import RESCREENED
from assessments.trend_chart import merge_series
from clinic import audit
from clinic.access import CLINICAL, has_role
from clinic.json_rows import JSONRow, RowsArray, instances, rows_array
from clinic.models import beyond_name
from clinic.panels import NOT_READ, portal_read
from clinic.plugins import plugin_modules
from clinic.rows import prepared_list
from patients import page_rows
from patients.models import Episode
from patients.selectors import of_patient_episodes


def assessments_for_user(*, user) -> QuerySet[Assessment]:
    if not has_role(user, CLINICAL):
        return Assessment.objects.none()
    return Assessment.objects.all()


def _key(public_id: UUID | str) -> UUID:
    try:
        return public_id if isinstance(public_id, UUID) else UUID(str(public_id))
    except ValueError:
        raise Http404("No such assessment") from None


def _found(found: list[Assessment]) -> Assessment:
    if not found:
        raise Http404("No such assessment")
    audit.note_patient(found[0].episode.patient, found[0])
    return found[0]


def assessment_for_user(*, user, public_id: UUID | str) -> Assessment:
    """One assessment with its episode, patient, author and neighbouring versions, or 404.
    One query, compiled once per process (clinic/rows.py): every assessment page opens with it.
    Every clinical role reads every assessment (`assessments_for_user`); should that scope by
    user, the user's id must become a value of the prepared query."""
    key = _key(public_id)
    return _found(prepared_list("assessment_for_user", Assessment, _with_neighbours, key=key))


def _with_neighbours(*, key: UUID) -> QuerySet[Assessment]:
    return Assessment.objects.select_related(
        "episode__patient", "therapist", "finalised_by", "supersedes", "superseded_by"
    ).filter(public_id=key)


def assessment_decisions(*, assessment: Assessment) -> list[AssessmentDecision]:
    """Decisions on this version, newest (the one in force) first. One query, compiled once
    (none after `page_selectors.assessment_page_for_user`)."""
    if "_decisions" in assessment.__dict__:
        decisions = assessment.__dict__["_decisions"]
    else:
        decisions = prepared_list(
            "assessment_decisions", AssessmentDecision, _decisions_on, assessment_id=assessment.pk
        )
    for decision in decisions:
        decision.assessment = assessment  # as the related manager attaches it
    return decisions


def _decisions_on(*, assessment_id) -> QuerySet[AssessmentDecision]:
    return AssessmentDecision.objects.filter(assessment_id=assessment_id).select_related(
        "confirmed_by"
    )


def assessment_baseline(*, assessment: Assessment) -> Assessment | None:
    """The measures a follow-up is compared with: the newest final intake on the episode that
    no later version amends (`visits.baseline`). No query after `_episode_visits`."""
    return visits.baseline(_episode_visits(assessment.episode))


def assessment_last_visit(*, episode, assessment: Assessment | None = None) -> Assessment | None:
    """The visit a follow-up is compared with for red flags and nerves (`visits.last_visit`).
    One query (`_episode_visits`), shared with `assessment_baseline`."""
    return visits.last_visit(_episode_visits(episode), assessment)


#: What is read of an episode's other visits: what picks the baseline and the last visit
#: (`visits`), their links and dates, the last visit's re-screened answers (the page's
#: re-screen card and the follow-up form's "last visit" hints) and the baseline's measures (the
#: comparison card). The other findings, some eighty columns a version, are never drawn from
#: a neighbouring visit; a read of one by mistake costs a statement, which the pinned counts
#: catch.
_VISIT_SHOWN = (
    "id",
    "public_id",
    "episode",
    "kind",
    "status",
    "assessed_on",
    "created_at",
    "supersedes",
    *RESCREENED,
    *COMPARED_FIELDS,
)


def _episode_visits(episode) -> list[Assessment]:
    """Every version of every assessment of the episode (a handful), read once per episode
    object, with SQL compiled once per process: the baseline and the last visit of a
    follow-up, and the chain of its own versions, are worked out from them. Only the columns
    in `_VISIT_SHOWN` are read. A view that writes an assessment must not call this first for
    the same episode object."""
    if "_visits" not in episode.__dict__:
        episode.__dict__["_visits"] = prepared_list(
            "episode_visits",
            Assessment,
            lambda *, episode_id: (
                Assessment.objects.filter(episode_id=episode_id).only(*_VISIT_SHOWN).order_by("pk")
            ),
            episode_id=episode.pk,
        )
    return episode.__dict__["_visits"]


def rescreened_answers(visit: Assessment | None) -> dict[str, object] | None:
    """The re-screened answers (`rescreen.RESCREENED`) of a visit read by `_episode_visits`,
    recorded ones only, as `visit.findings()` holds them (none of them is a decimal)."""
    if visit is None:
        return None
    values = visit.__dict__
    return {name: values[name] for name in RESCREENED if values[name] is not None}


_AUTHOR = ("first_name", "last_name", "email")  # what a user's name is made of


def assessments_of_patient(*, patient) -> QuerySet[Assessment]:
    """Every version of every assessment of a patient, for listing: who, what, when, the
    later version if any and the few measures the rehab criteria read (assessments/measures.py,
    so that the patient page reads the assessments once). The findings are not loaded (a
    hundred columns a row)."""
    return (
        Assessment.objects.filter(of_patient_episodes("episode", patient.pk))
        .select_related("therapist", "superseded_by")
        .only(
            "public_id",
            "episode_id",
            "kind",
            "status",
            "version",
            "finalised_at",
            "created_at",
            "assessed_on",
            *MEASURE_KEYS,
            "superseded_by__id",
            "superseded_by__status",
            *(f"therapist__{name}" for name in _AUTHOR),
        )
    )


#: Where `decisions_of_patient` and `patient_confirmed_decisions` keep what they read.
_DECISIONS, _IN_FORCE = "_decisions_of_patient", "_decisions_in_force"


def decisions_of_patient(*, patient) -> list[AssessmentDecision]:
    """Every decision on a patient's episodes, newest first, each with `confirmed_by` and
    `assessment_public_id`. One query, read once per patient object: the patient page's
    timeline, its referrals panel (none to look for when no decision is a referral) and the
    decision in force on each episode (`episode_confirmed_decision`, rehab's panel) share it.
    Read-only page code only: a view that writes a decision must not have called it first.
    Compiled once per process (clinic/rows.py)."""
    loaded = patient.__dict__.get(_DECISIONS)
    if loaded is None:
        loaded = page_rows.taken(patient, "decisions_of_patient")
        if loaded is None:
            loaded = prepared_list(
                "decisions_of_patient", AssessmentDecision, _decisions_of, patient_id=patient.pk
            )
        patient.__dict__[_DECISIONS] = loaded
    return loaded


def decisions_already_read(patient) -> list[AssessmentDecision] | None:
    """What `decisions_of_patient` has read for this patient object, or None (no query)."""
    return patient.__dict__.get(_DECISIONS)


def _assessment_key() -> Subquery:
    """The public id of the row's assessment (`assessment_id`, a required key): what
    `F("assessment__public_id")` gives, read without joining the assessment's table."""
    return Subquery(
        Assessment.objects.filter(pk=OuterRef("assessment_id")).order_by().values("public_id")
    )


def _decisions_of(*, patient_id: int) -> QuerySet[AssessmentDecision]:
    return (
        AssessmentDecision.objects.filter(of_patient_episodes("episode", patient_id))
        .select_related("confirmed_by")
        # The assessment's key by a subquery, not a join: joined, the server sets up a scan of
        # every one of the assessment's 99 columns for the page's one statement, each view.
        .annotate(assessment_public_id=_assessment_key())
        # The engine's scores and the findings it saw (about a kilobyte of JSON a decision)
        # are on no panel of the page, nor anything of who confirmed it but their name:
        # deferred, read only if something asks for them.
        .defer("score_snapshot", "findings", *beyond_name("confirmed_by"))
        .order_by("-confirmed_at", "-id")
    )


def _decisions_loaded(episode) -> list[AssessmentDecision] | None:
    """The patient's decisions if `decisions_of_patient` (or, on the portal,
    `patient_confirmed_decisions`: each episode's decision in force) has read them for this
    episode's patient object, else None (nothing is read here). Both lists are newest first."""
    patient = episode._state.fields_cache.get("patient")
    loaded = {} if patient is None else patient.__dict__
    return loaded.get(_DECISIONS, loaded.get(_IN_FORCE))


def episode_confirmed_decision(*, episode) -> AssessmentDecision | None:
    """The decision in force on an episode: the newest confirmed one, or None.

    The result has `.final_dx` (a SPEC 2.8 value such as "neural"), `.confirmed_at` (aware,
    UTC) and `.findings` (the SPEC-named inputs the engine saw, e.g. `directional_preference`,
    `affected_side`; unrecorded findings are absent). Callers must not change it: decisions are
    append-only. One query, or none when the page has read the patient's decisions already.
    """
    loaded = _decisions_loaded(episode)
    if loaded is not None:
        return next((d for d in loaded if d.episode_id == episode.pk), None)
    return (
        AssessmentDecision.objects.filter(episode=episode).order_by("-confirmed_at", "-id").first()
    )


def open_red_flag_referrals() -> QuerySet[AssessmentDecision]:
    """Every open confirmed red-flag referral (SPEC 3.9b, amendment 26): the one definition of
    "open", which the notice at the top of every portal page stands on.

    A referral is open while it is the decision in force on an open episode: the newest
    confirmed decision of that episode (by `confirmed_at`, then id) names "red_flag_referral".
    A later decision on the episode, discharging the episode, or a recorded outcome that
    closes the referral (cleared to resume, or no further action: see
    `referrals.all_referrals`) closes it.
    """
    newer = AssessmentDecision.objects.filter(episode_id=OuterRef("episode_id")).filter(
        Q(confirmed_at__gt=OuterRef("confirmed_at"))
        | Q(confirmed_at=OuterRef("confirmed_at"), id__gt=OuterRef("id"))
    )
    return (
        referrals.all_referrals()
        .filter(episode__status="open", is_closed=False)
        .exclude(Exists(newer))
    )


def open_red_flags_for_patient(*, patient) -> list[AssessmentDecision]:
    """The patient's open red-flag referrals (see `open_red_flag_referrals`), newest first;
    usually none or one. One query."""
    return list(open_red_flag_referrals().filter(episode__patient=patient))


def open_red_flags_for_portal_user(*, user) -> list[AssessmentDecision]:
    """The same for the patient signed in as `user`, found through their login so that a page
    that has not loaded the patient pays one query, not two. Archived records have none.
    Every portal page asks (the notice at its top): the SQL, four subqueries, is compiled once
    per process (clinic/rows.py)."""
    return prepared_list(
        "open_red_flags_for_portal_user",
        AssessmentDecision,
        _open_red_flags_of_login,
        user_id=user.pk,
    )


def _open_red_flags_of_login(*, user_id: int) -> QuerySet[AssessmentDecision]:
    return open_red_flag_referrals().filter(
        episode__patient__user_id=user_id, episode__patient__archived_at__isnull=True
    )


def _decisions_with_episode(*, patient_id: int):
    open_referral = open_red_flag_referrals().filter(pk=OuterRef("pk"))
    return (
        AssessmentDecision.objects.filter(episode__patient_id=patient_id)
        .select_related("episode")
        .annotate(open_referral=Exists(open_referral))
        .order_by("-confirmed_at", "-id")
    )


def _portal_decisions(*, patient_id):
    """`_decisions_with_episode` as the portal's statements read it (`_DECISION_ROWS`): whether
    a decision is an open referral asked only of red-flag referrals (no other can be one), and
    the snapshot read only for them."""
    red_flag = Q(clinician_final_dx=_RED_FLAG)
    open_referral = open_red_flag_referrals().filter(pk=OuterRef("pk"))
    return (
        AssessmentDecision.objects.filter(episode__patient_id=patient_id)
        .annotate(
            open_referral=Case(
                When(red_flag, then=Exists(open_referral)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            referral_snapshot=Case(When(red_flag, then=F("score_snapshot")), default=None),
        )
        .order_by("-confirmed_at", "-id")
    )


def patient_confirmed_decisions(*, patient) -> list[AssessmentDecision]:
    """The decision in force on each of the patient's episodes, newest episode first, each
    with its episode and `open_referral` (whether it is an open red-flag referral, as
    `open_red_flag_referrals` defines it). One query, compiled once per process
    (clinic/rows.py), and read once per patient record loaded: the portal home loads the
    patient afresh on each request, and its red-flag notice, condition panel and rehab stage
    all stand on this read."""
    if _IN_FORCE in patient.__dict__:
        return patient.__dict__[_IN_FORCE]
    latest: dict[int, AssessmentDecision] = {}
    decisions = portal_read(patient, "assessments.decisions")
    if decisions is NOT_READ:
        decisions = prepared_list(
            "patient_confirmed_decisions",
            AssessmentDecision,
            _decisions_with_episode,
            patient_id=patient.pk,
        )
    else:
        decisions = instances(
            AssessmentDecision, router.db_for_read(AssessmentDecision), decisions, **_DECISION_ROWS
        )
        for decision in decisions:
            snapshot = decision.__dict__.pop("referral_snapshot")
            if decision.clinician_final_dx == _RED_FLAG:
                decision.score_snapshot = snapshot
    for decision in decisions:
        latest.setdefault(decision.episode_id, decision)
    found = sorted(latest.values(), key=lambda decision: decision.confirmed_at, reverse=True)
    return patient.__dict__.setdefault(_IN_FORCE, found)


def _working_diagnoses() -> QuerySet[WorkingDiagnosis]:
    """Working diagnoses with `confirmed_at_later` (when a confirmed diagnosis on the episode
    superseded it, else None), `replaced` (a later working diagnosis exists) and
    `assessment_public_id`."""
    later_decision = AssessmentDecision.objects.filter(
        episode_id=OuterRef("episode_id"), confirmed_at__gte=OuterRef("recorded_at")
    ).order_by("confirmed_at", "id")
    later_working = WorkingDiagnosis.objects.filter(episode_id=OuterRef("episode_id")).filter(
        Q(recorded_at__gt=OuterRef("recorded_at"))
        | Q(recorded_at=OuterRef("recorded_at"), id__gt=OuterRef("id"))
    )
    return (
        WorkingDiagnosis.objects.annotate(
            confirmed_at_later=Subquery(later_decision.values("confirmed_at")[:1]),
            replaced=Exists(later_working),
            # By a subquery on the required key, not a join: joined, the server sets up a scan
            # of all the assessment's 99 columns for this one (the patient page's statement
            # and the assessment page's both read these rows).
            assessment_public_id=_assessment_key(),
        )
        .select_related("recorded_by")
        .order_by("-recorded_at", "-id")
    )


def episode_working_diagnoses(*, episode) -> list[WorkingDiagnosis]:
    """The episode's working diagnoses, newest first, each with `in_force`. One query (two
    subqueries), compiled once per process (none after
    `page_selectors.assessment_page_for_user`)."""
    if "_working" in episode.__dict__:
        return episode.__dict__["_working"]
    return prepared_list(
        "episode_working_diagnoses",
        WorkingDiagnosis,
        lambda *, episode_id: _working_diagnoses().filter(episode_id=episode_id),
        episode_id=episode.pk,
    )


def working_diagnoses_of_patient(*, patient) -> list[WorkingDiagnosis]:
    """Every working diagnosis of the patient, newest first, each with `in_force`. One query,
    once per patient object (the patient page's panel and timeline share it), compiled once
    per process (clinic/rows.py)."""
    if not hasattr(patient, "_working_diagnoses"):
        patient._working_diagnoses = page_rows.taken(patient, "working_diagnoses_of_patient")
    if patient._working_diagnoses is None:
        patient._working_diagnoses = prepared_list(
            "working_diagnoses_of_patient",
            WorkingDiagnosis,
            _working_diagnoses_of,
            patient_id=patient.pk,
        )
    return patient._working_diagnoses


def _working_diagnoses_of(*, patient_id: int) -> QuerySet[WorkingDiagnosis]:
    # The panel and the timeline say who recorded it, by name.
    return (
        _working_diagnoses()
        .filter(of_patient_episodes("episode", patient_id))
        .defer(*beyond_name("recorded_by"))
    )


def _open_episodes_diagnosis(*, patient_id: int):
    final_intake = Assessment.objects.filter(
        episode_id=OuterRef("pk"), kind=Assessment.Kind.INTAKE, status=Assessment.Status.FINAL
    )
    decided = AssessmentDecision.objects.filter(episode_id=OuterRef("pk"))
    newest_test = WorkingDiagnosis.objects.filter(episode_id=OuterRef("pk")).order_by(
        "-recorded_at", "-id"
    )
    return (
        Episode.objects.filter(patient_id=patient_id, status="open")
        .annotate(
            final_intake=Exists(final_intake),
            confirmed=Exists(decided),
            deciding_test=Subquery(newest_test.values("deciding_test")[:1]),
        )
        .order_by("-number")
    )


def _open_episodes_state(*, patient_id: int):
    return _open_episodes_diagnosis(patient_id=patient_id).values(*_EPISODE_STATE)


#: What the portal home's statement reads of the answers given before any episode.
_ANSWERS = [field.attname for field in PreVisitQuestionnaire._meta.concrete_fields]
#: What `open_episodes_diagnosis` reads of each open episode.
_EPISODE_STATE = ("number", "final_intake", "confirmed", "deciding_test")
#: What the portal's statements read of each decision (`decisions_read`), and all that the
#: pages built on them use (the condition card, the stage, the red-flag notice, the recovery
#: page): the diagnosis, when it was confirmed, the rules version and the episode's number and
#: status; and for a red-flag referral only, the engine's snapshot, whose tier the notice
#: reads (`referral_tier`). The rest (the findings, the snapshot of any other diagnosis, who
#: confirmed it, the episode's dates) is left deferred: neither built by the server nor decoded.
_DECISION_ROWS = {
    "fields": [
        field.attname
        for field in AssessmentDecision._meta.concrete_fields
        if field.attname
        in {"id", "episode_id", "clinician_final_dx", "model_version", "confirmed_at"}
    ],
    "related": {"episode": ["number", "status"]},
    "annotations": {"open_referral": BooleanField(), "referral_snapshot": JSONField()},
}
_RED_FLAG = AssessmentDecision.FinalDx.RED_FLAG_REFERRAL


def portal_home_reads() -> dict:
    """For the portal home's one statement (portal.selectors.home_reads), correlated with the
    patient's row: the open episodes' diagnosis state and every decision with its episode,
    as `open_episodes_diagnosis` and `patient_confirmed_decisions` read them."""
    patient_id = OuterRef("pk")
    return {
        "assessments.open_episodes": RowsArray(
            _open_episodes_diagnosis(patient_id=patient_id).values(
                row=JSONRow(**{name: name for name in _EPISODE_STATE})
            )
        ),
        "assessments.questionnaire": rows_array(
            _questionnaire_before_episodes(patient_id=patient_id),
            fields=_ANSWERS,
        ),
        **decisions_read(),
    }


def decisions_read() -> dict:
    """For a portal page's one statement on the patient's row (portal.selectors): every
    decision with its episode, which `patient_confirmed_decisions` then reads instead of a
    statement of its own (the red-flag notice stands on it)."""
    return {
        "assessments.decisions": rows_array(
            _portal_decisions(patient_id=OuterRef("pk")),
            fields=_DECISION_ROWS["fields"],
            related=_DECISION_ROWS["related"],
            annotations=_DECISION_ROWS["annotations"],
        )
    }


def open_episodes_diagnosis(*, patient) -> list[dict]:
    """Where each of the patient's open episodes stands for the portal, newest first:
    {"episode": number, "final_intake": an intake is final, "confirmed": a diagnosis is
    confirmed, "deciding_test": the code of the test that will decide it (from the newest
    working diagnosis) or ""}. One query. The working diagnosis itself is not read: a patient
    never sees it. Compiled once per process (clinic/rows.py): every portal home asks."""
    rows = portal_read(patient, "assessments.open_episodes")
    if rows is NOT_READ:
        rows = prepared_list(
            "open_episodes_diagnosis",
            Episode,
            _open_episodes_state,
            patient_id=patient.pk,
        )
    return [
        {
            "episode": row["number"],
            "final_intake": row["final_intake"],
            "confirmed": row["confirmed"],
            "deciding_test": row["deciding_test"] or "",
        }
        for row in rows
    ]


def episode_trend_series(*, episode) -> list[dict]:
    """Every app's trend series for the episode (each app's `trends.py`, contract in
    clinic/plugins.py), merged by measure key, oldest point first. A query or so per app, however
    many visits."""
    return merge_series(module.trend_series(episode=episode) for module in plugin_modules("trends"))


def questionnaire_for_episode(*, patient, episode=None) -> PreVisitQuestionnaire | None:
    """The patient's answers for this episode, else their answers given before any episode
    (the portal home's statement reads those: `portal_home_reads`)."""
    found = NOT_READ if episode else portal_read(patient, "assessments.questionnaire")
    if found is not NOT_READ:
        alias = router.db_for_read(PreVisitQuestionnaire)
        return next(iter(instances(PreVisitQuestionnaire, alias, found, fields=_ANSWERS)), None)
    return (
        PreVisitQuestionnaire.objects.filter(patient=patient)
        .filter(
            Q(episode=episode) | Q(episode__isnull=True) if episode else Q(episode__isnull=True)
        )
        .order_by(F("episode_id").asc(nulls_last=True), "-submitted_at")
        .first()
    )


def _questionnaire_before_episodes(*, patient_id):
    return PreVisitQuestionnaire.objects.filter(
        patient_id=patient_id, episode__isnull=True
    ).order_by("-submitted_at")[:1]


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
