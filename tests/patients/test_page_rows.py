"""The patient page reads every app's rows in one statement (patients/page_rows.py): what it
builds from the JSON must be what each selector's own query builds, field by field and
related row by related row, for every read a therapist's or reception's page makes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.services import working_diagnosis_record
from clinic import panels
from clinic.json_rows import made_without_init
from exercises.models import AlertAcknowledgement, CommentRead, SessionLog
from notifications.models import SmsInbound
from patients import page_rows
from patients.models import Episode, Patient
from patients.selectors import episodes_load
from tests.assessments.factories import AssessmentFactory
from tests.assessments.test_working_diagnosis import MIXED_FINDINGS, RETEST
from tests.patients.factories import EpisodeFactory
from tests.perf.conftest import loaded
from tests.rehab.factories import discharge_summary_for, stage_change

pytestmark = pytest.mark.django_db


#: What the page keeps on its own patient object (its reads, its loaded episodes).
_PAGE_OWN = {"_state", "_page_rows", "_page_reads", "_prefetched_objects_cache"}


def _state(row, depth: int = 0):
    """Everything an instance holds (its fields, annotations and the related rows it came
    with, to two levels), or the dict of a `.values()` row. What the page sets on its own
    objects is left out (an episode's related rows: each loaded episode's patient, as a
    prefetch sets it, and a one-to-one's other side, which `select_related` sets on its own
    copy; the patient's reads): `page_rows._held` hands a read's rows the page's episodes and
    patient."""
    if isinstance(row, dict):
        return row
    held = {name: value for name, value in row.__dict__.items() if name not in _PAGE_OWN}
    if depth < 2 and not isinstance(row, Episode):
        for name, other in row._state.fields_cache.items():
            held[f"related:{name}"] = None if other is None else _state(other, depth + 1)
    return held


@pytest.fixture
def world():
    with loaded(3) as world:
        patient, therapist = world.patient, world.therapist
        EpisodeFactory.reset_sequence(20)  # numbers after the generated episodes
        episode = EpisodeFactory(patient=patient)  # one without a confirmed diagnosis
        intake = AssessmentFactory(
            episode=episode, therapist=therapist, final=True, findings=MIXED_FINDINGS
        )
        working_diagnosis_record(assessment=intake, by=therapist, **RETEST)
        discharge_summary_for(patient=patient, user=therapist)
        # A stage change of its own: whether the generated data gave this patient one depends on
        # the time of day the data set is built at (the draws before it follow the clock).
        stage_change(
            episode=episode,
            user=therapist,
            from_stage="settle",
            to_stage="restore_movement",
            when=timezone.now() - dt.timedelta(days=3),
        )
        SmsInbound.objects.create(
            provider_id="SM1",
            phone=str(patient.phone),
            body="Can I swap <b>Thursday</b>?",
            received_at=timezone.now() - dt.timedelta(hours=2),
            patient=patient,
            for_clinician=True,
        )
        AlertAcknowledgement.objects.create(
            plan=world.plan,
            kind=AlertAcknowledgement.Kind.values[0],
            period=dt.date.today(),
            acknowledged_by=therapist,
            acknowledged_at=timezone.now(),
        )
        # Two comments, one read: the read mark is a reverse one-to-one, null or not.
        first, second = SessionLog.objects.filter(patient=patient).order_by("date")[:2]
        SessionLog.objects.filter(pk__in=[first.pk, second.pk]).update(comment="Knee & hip ache")
        CommentRead.objects.create(session_log=first, read_by=therapist, read_at=timezone.now())
        yield world


@pytest.mark.parametrize("role", ["therapist", "reception"])
def test_it_builds_every_read_as_the_selectors_own_query_does(world, role):
    user = getattr(world, role)
    patient = Patient.objects.get(pk=world.patient.pk)
    reads = panels.collect("patient_page_reads", user=user, patient=patient)
    # The recent visits come with the appointments (treatment offers bookings their columns).
    assert len(reads) == (20 if role == "therapist" else 4)
    with CaptureQueriesContext(connection) as queries:
        page_rows.read(patient=patient, reads=reads)
        episodes_load(patient=patient)  # as the page does: the reads take its episodes
        built = {read.name: page_rows.taken(patient, read.name, **read.values) for read in reads}
        built["episodes_of_patient"] = list(patient.episodes.all())
    assert len(queries) == 1
    for read in reads:
        expected = list(read.build(patient_id=patient.pk, **read.values))
        assert expected, f"{read.name}: the test data should give it rows"
        assert [_state(row) for row in built[read.name]] == [_state(row) for row in expected], (
            read.name
        )


def test_it_hands_each_read_out_once_and_only_on_the_page(world):
    patient = Patient.objects.get(pk=world.patient.pk)
    reads = panels.collect("patient_page_reads", user=world.therapist, patient=patient)
    name = "bookings.panels.appointments"
    assert page_rows.taken(patient, name) is None  # no page: the selector reads for itself
    page_rows.read(patient=patient, reads=reads)
    assert page_rows.taken(patient, "exercises_recent_logs", since=dt.date(1999, 1, 1)) is None
    assert page_rows.taken(patient, name)
    assert page_rows.taken(patient, name) is None  # a second ask reads afresh


def test_the_page_shows_a_new_text_on_the_next_view(world):
    client = world.client_for("therapist")
    target = reverse("patients:detail", args=[world.patient.public_id])
    assert "Where is the car park?" not in client.get(target).content.decode()
    SmsInbound.objects.create(
        provider_id="SM2",
        phone=str(world.patient.phone),
        body="Where is the car park?",
        received_at=timezone.now(),
        patient=world.patient,
        for_clinician=True,
    )
    assert "Where is the car park?" in client.get(target).content.decode()


def test_instances_skip_init_only_where_init_would_store_the_values_as_they_are(world):
    """Plain columns are stored as `from_db` stores them without running `Model.__init__`;
    a model with a converting descriptor (the phone number) or an init signal receiver still
    goes through `from_db`, so the receiver sees every instance."""
    from django.db.models.signals import post_init

    from assessments.models import AssessmentDecision

    assert made_without_init(AssessmentDecision, ("id", "episode_id", "confirmed_at"))
    assert not made_without_init(Patient, ("id", "phone"))

    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance)

    patient = Patient.objects.get(pk=world.patient.pk)
    reads = panels.collect("patient_page_reads", user=world.therapist, patient=patient)
    name = "decisions_of_patient"
    post_init.connect(receiver, sender=AssessmentDecision)
    try:
        page_rows.read(patient=patient, reads=reads)
        built = page_rows.taken(patient, name)
    finally:
        post_init.disconnect(receiver, sender=AssessmentDecision)
    assert built
    assert [id(row) for row in seen] == [id(row) for row in built]
    page_rows.read(patient=patient, reads=reads)
    again = page_rows.taken(patient, name)
    assert [row.pk for row in again] == [row.pk for row in built]
    assert all(not row._state.adding and row._state.db == "default" for row in again)
    assert [row.confirmed_by.pk for row in again] == [row.confirmed_by.pk for row in built]
    assert [row.assessment_public_id for row in again] == [
        row.assessment_public_id for row in built
    ]


def test_json_and_decimal_columns_come_back_as_the_driver_gives_them(world):
    """A JSON column rides inside the page statement's rows and is decoded with them: its
    floats must stay floats and a decimal column must keep its own digits (`2.50`, not 2.5 or
    a float), as the selector's own query gives them (== alone would let 2.5 equal
    Decimal("2.5"), so the types and texts are compared)."""
    from decimal import Decimal

    from django.db.models import DecimalField, F, Value

    from assessments.models import Assessment

    findings = {"slr_angle": 45.5, "sides": [1.25, {"depth": 0.1}], "note": "<b>sore</b>"}
    Assessment.objects.filter(episode__patient=world.patient).update(engine_result=findings)

    def build(*, patient_id: int):
        return (
            Assessment.objects.filter(episode__patient_id=patient_id)
            .annotate(
                fee=Value(
                    Decimal("2.50"), output_field=DecimalField(max_digits=5, decimal_places=2)
                ),
                finding_text=F("engine_result"),
            )
            .only("engine_result", "version")
            .order_by("pk")
        )

    read = page_rows.PageRead("tests.json_and_decimals", Assessment, build)
    patient = Patient.objects.get(pk=world.patient.pk)
    page_rows.read(patient=patient, reads=[read])
    built = page_rows.taken(patient, read.name)
    expected = list(build(patient_id=patient.pk))
    assert built
    assert len(built) == len(expected)
    for got, want in zip(built, expected, strict=True):
        assert repr(_state(got)) == repr(_state(want))
        assert got.engine_result == findings
        assert type(got.engine_result["slr_angle"]) is float
        assert str(got.fee) == "2.50"


def test_reads_hang_the_pages_own_episodes_and_patient_on_their_rows(world):
    """A read that joins the patient's episode or the patient (`select_related`) leaves their
    columns out of the statement: its rows get the episodes the page loaded and the page's
    patient, with no query; an episode the page does not hold is read when asked for."""
    from exercises.models import ExercisePlan

    patient = Patient.objects.get(pk=world.patient.pk)
    reads = panels.collect("patient_page_reads", user=world.therapist, patient=patient)
    page_rows.read(patient=patient, reads=reads)
    episodes_load(patient=patient)
    with CaptureQueriesContext(connection) as queries:
        plans = page_rows.taken(patient, "adherence_for_patient")
        texts = page_rows.taken(patient, "notifications_texts_from_patient")
        loaded = {id(episode) for episode in patient.episodes.all()}
        assert plans
        assert all(id(plan.episode) in loaded for plan in plans)
        assert texts
        assert all(text.patient is patient for text in texts)
    assert len(queries) == 0
    held = {
        read.name: [field.name for field in page_rows._shape(read, "default", patient.pk).held]
        for read in reads
    }
    assert held["adherence_for_patient"] == ["episode"]
    assert held["running_programmes_of_patient"] == ["episode"]
    assert held["rehab_summaries_of_patient"] == ["episode"]
    assert held["notifications_texts_from_patient"] == ["patient"]

    # A plan of this patient's tied to another patient's episode: read when asked for.
    other = EpisodeFactory()
    ExercisePlan.objects.filter(pk=plans[0].pk).update(episode=other)
    patient = Patient.objects.get(pk=world.patient.pk)
    page_rows.read(patient=patient, reads=reads)
    episodes_load(patient=patient)
    plan = next(p for p in page_rows.taken(patient, "adherence_for_patient") if p.pk == plans[0].pk)
    assert plan.episode == other


def test_reads_that_say_who_carry_only_their_name(world):
    """The texts', comments', acknowledgements' and working diagnoses' users are drawn by name
    only: their reads leave the password hash and the flags out of the statement, and drawing
    the name (as the panels and the timeline do) asks nothing more."""
    from exercises.models import CommentRead

    SmsInbound.objects.filter(patient=world.patient).update(
        read_by=world.therapist, read_at=timezone.now()
    )
    patient = Patient.objects.get(pk=world.patient.pk)
    reads = panels.collect("patient_page_reads", user=world.therapist, patient=patient)
    page_rows.read(patient=patient, reads=reads)
    episodes_load(patient=patient)
    users = {
        "notifications_texts_from_patient": lambda row: row.read_by,
        "comments_for_patient": lambda row: row.comment_read.read_by,
        "acknowledgements_for_patient": lambda row: row.acknowledged_by,
        "working_diagnoses_of_patient": lambda row: row.recorded_by,
    }
    with CaptureQueriesContext(connection) as queries:
        for name, who in users.items():
            rows = page_rows.taken(patient, name)
            drawn = []
            for row in rows:
                try:
                    user = who(row)
                except CommentRead.DoesNotExist:
                    continue
                if user is None:
                    continue
                assert {"password", "role", "is_superuser"} <= user.get_deferred_fields(), name
                drawn.append((str(user), user.get_full_name(), user.email))
            assert drawn, f"{name}: the test data should draw a user"
            assert drawn[0][2] == world.therapist.email
    assert len(queries) == 0

    client = world.client_for("therapist")
    page = client.get(reverse("patients:detail", args=[world.patient.public_id]))
    name = world.therapist.get_full_name() or world.therapist.email
    assert page.content.decode().count(f"Read by {name}") == 2  # the text and the comment


@pytest.mark.parametrize(
    "name",
    [
        "assessments.panels.assessments",
        "working_diagnoses_of_patient",
        "decisions_of_patient",
        "stage_changes_of_patient",
        "treatment_latest_measures",
        "treatment_recurrence_given_of_patient",
    ],
)
def test_the_reads_of_the_patients_episodes_give_the_rows_the_join_gave(world, name):
    """These reads test a row's episode against the patient's episodes as an array
    (`patients.selectors.of_patient_episodes`), not by joining the episode; given the patient
    as an expression (the portal's correlated reads) the same builder joins as before. Both
    must give the same rows in the same order, and no other patient's (the data set has
    three patients)."""
    from django.db.models import Value

    patient = Patient.objects.get(pk=world.patient.pk)
    reads = panels.collect("patient_page_reads", user=world.therapist, patient=patient)
    build = next(read.build for read in reads if read.name == name)
    by_array = build(patient_id=patient.pk)
    by_join = build(patient_id=Value(patient.pk))
    assert "= ANY(ARRAY(SELECT" in str(by_array.query)
    assert "ANY(" not in str(by_join.query)
    rows = [_state(row) for row in by_array]
    assert rows, f"{name}: the test data should give it rows"
    assert rows == [_state(row) for row in by_join]
