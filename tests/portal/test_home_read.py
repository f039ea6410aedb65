"""The portal's read of its patient: the home reads the patient and every panel in one statement,
for the patient's own day; every portal page gets the record as the ORM would build it, the
phone number parsed only when something reads it (patients/phone.py); and the decisions the
portal reads carry only what its pages use."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from phonenumber_field.phonenumber import PhoneNumber

from assessments.models import AssessmentDecision
from assessments.selectors import patient_confirmed_decisions
from clinic.rows import logged_sql
from patients.models import Patient
from patients.phone import StoredNumber
from patients.selectors import patient_of_portal_user
from portal import selectors as portal_selectors
from portal.selectors import home_patient, recovery_page_reads
from tests.exercises.factories import confirmed_decision, log, published_plan
from tests.patients.factories import EpisodeFactory, PatientFactory
from tests.portal.test_portal_pages import PORTAL_HOME_QUERIES

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
TODAY = NOW.date()
HOME_URL = reverse("portal:home")
LOGGED = "You have logged today's session."


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def me(patient_user):
    return PatientFactory(user=patient_user, first_name="Pat")


def _fields(patient) -> dict:
    return {f.attname: getattr(patient, f.attname) for f in Patient._meta.concrete_fields}


@pytest.mark.parametrize("stored", ["+447911123456", "+447700900001", ""])
def test_it_builds_the_portal_patient_as_the_orm_does(patient_user, stored):
    # A valid number, one the library cannot validate (kept as typed) and none.
    patient = PatientFactory(user=patient_user)
    Patient.objects.filter(pk=patient.pk).update(phone=stored)
    expected = Patient.objects.get(pk=patient.pk)

    for found in (
        patient_of_portal_user(user=patient_user),
        home_patient(user=patient_user, now=NOW)[0],
    ):
        assert found.get_deferred_fields() == set()
        assert _fields(found) == _fields(expected)
        assert type(found.phone) is type(expected.phone)
        assert str(found.phone) == str(expected.phone)


def test_it_parses_the_number_only_when_it_is_read(patient_user):
    PatientFactory(user=patient_user, phone="+447911123456")
    patient = patient_of_portal_user(user=patient_user)
    assert type(patient.__dict__["phone"]) is StoredNumber
    assert patient.phone == PhoneNumber.from_string("+447911123456")
    assert patient.phone.as_e164 == "+447911123456"
    assert type(patient.__dict__["phone"]) is PhoneNumber


def test_it_saves_a_portal_patient_without_changing_the_number(patient_user):
    PatientFactory(user=patient_user, phone="+447911123456", first_name="Pat")
    patient = patient_of_portal_user(user=patient_user)
    patient.first_name = "Patricia"
    patient.save()
    saved = Patient.objects.get(pk=patient.pk)
    assert (saved.first_name, saved.phone.as_e164) == ("Patricia", "+447911123456")


def test_it_tells_a_patient_without_a_number_that_texts_need_one(patient_client, therapist, me):
    # The reminders page is where the portal reads the number: texts need one.
    from tests.notifications.test_pages import form_data, schedule_of, update_url

    Patient.objects.filter(pk=me.pk).update(phone="", email_reminders_consent=True)
    schedule = schedule_of(published_plan(therapist=therapist, patient=me))
    response = patient_client.post(update_url(schedule), form_data(schedule, channel="sms"))
    assert response.status_code == 200
    assert "We have no mobile number for you" in response.content.decode()


def test_it_reads_the_patient_with_the_home_in_one_statement(patient_client, me, therapist, frozen):
    log(published_plan(therapist=therapist, patient=me), TODAY)
    with CaptureQueriesContext(connection) as queries:
        html = patient_client.get(HOME_URL).content.decode()
    reads = [logged_sql(q["sql"]) for q in queries.captured_queries]
    assert LOGGED in html
    assert sum('"patients_patient"' in sql for sql in reads) == 1


def test_it_reads_the_home_for_the_day_where_the_patient_lives(
    patient_client, me, therapist, frozen, django_assert_num_queries
):
    # Noon in London (the clinic's zone) is two in the morning of the next day on Kiritimati
    # (UTC+14): the home statement reads the panels for the clinic's day, so for this patient
    # they are read again for their own (one statement more). The log of the patient's own
    # today counts, London's does not.
    Patient.objects.filter(pk=me.pk).update(time_zone="Pacific/Kiritimati")
    me.refresh_from_db()
    plan = published_plan(therapist=therapist, patient=me, start_date=TODAY - dt.timedelta(days=7))
    log(plan, TODAY)
    assert LOGGED not in patient_client.get(HOME_URL).content.decode()
    log(plan, TODAY + dt.timedelta(days=1))
    patient, today = home_patient(user=me.user, now=NOW)
    assert today == TODAY + dt.timedelta(days=1)
    assert patient.__dict__["_portal_reads"]["exercises.plan"][0]["logged_on_day"] is True
    with django_assert_num_queries(PORTAL_HOME_QUERIES):  # the zone is known by now
        assert LOGGED in patient_client.get(HOME_URL).content.decode()


def test_it_guesses_the_day_from_the_zone_it_last_read(
    patient_client, me, therapist, frozen, django_assert_num_queries, monkeypatch
):
    # The first home of a patient on Kiritimati is read again for their own day; the next
    # ones start from their zone. When they move back to the clinic's zone, the guess is
    # wrong once (one statement more) and the page still shows their own day's log.
    monkeypatch.setattr(portal_selectors, "_ZONES_SEEN", {})
    Patient.objects.filter(pk=me.pk).update(time_zone="Pacific/Kiritimati")
    plan = published_plan(therapist=therapist, patient=me, start_date=TODAY - dt.timedelta(days=7))
    log(plan, TODAY + dt.timedelta(days=1))
    with django_assert_num_queries(PORTAL_HOME_QUERIES + 1):
        assert LOGGED in patient_client.get(HOME_URL).content.decode()
    with django_assert_num_queries(PORTAL_HOME_QUERIES):
        assert LOGGED in patient_client.get(HOME_URL).content.decode()
    Patient.objects.filter(pk=me.pk).update(time_zone="Europe/London")
    with django_assert_num_queries(PORTAL_HOME_QUERIES + 1):
        assert LOGGED not in patient_client.get(HOME_URL).content.decode()
    log(plan, TODAY)
    with django_assert_num_queries(PORTAL_HOME_QUERIES):
        assert LOGGED in patient_client.get(HOME_URL).content.decode()


def test_it_reads_the_home_in_one_statement_where_the_days_agree(
    patient_client, me, therapist, frozen, django_assert_num_queries
):
    # New York is five hours behind London: at noon in London both have the same date.
    Patient.objects.filter(pk=me.pk).update(time_zone="America/New_York")
    log(published_plan(therapist=therapist, patient=me), TODAY)
    with django_assert_num_queries(PORTAL_HOME_QUERIES):
        assert LOGGED in patient_client.get(HOME_URL).content.decode()


def test_it_answers_404_to_an_archived_patient(patient_client, me):
    Patient.objects.filter(pk=me.pk).update(archived_at=NOW)
    assert patient_client.get(HOME_URL).status_code == 404


# The decisions the portal's statements read -------------------------------------------------


def _referral(episode, therapist, tier: str):
    decision = confirmed_decision(
        episode=episode, therapist=therapist, final_dx="red_flag_referral"
    )
    AssessmentDecision.objects.filter(pk=decision.pk).update(
        score_snapshot={"tier": tier, "scores": {"neural": 0.1}}, model_version="1.2"
    )
    return decision


@pytest.fixture
def decided(me, therapist):
    """A red-flag referral on one open episode and a neural diagnosis on another."""
    referral = _referral(EpisodeFactory(patient=me), therapist, "emergency")
    neural = confirmed_decision(
        episode=EpisodeFactory(patient=me), therapist=therapist, final_dx="neural"
    )
    return referral, neural


@pytest.mark.parametrize("page", ["home", "recovery"])
def test_it_reads_only_what_the_portal_uses_of_each_decision(patient_user, me, decided, page):
    referral, neural = decided
    if page == "home":
        patient, _ = home_patient(user=patient_user, now=NOW)
    else:
        patient = patient_of_portal_user(user=patient_user)
        recovery_page_reads(patient=patient)
    with CaptureQueriesContext(connection) as queries:
        found = {d.pk: d for d in patient_confirmed_decisions(patient=patient)}
        assert found[referral.pk].referral_tier == "emergency"
        assert found[referral.pk].open_referral is True
        assert found[neural.pk].open_referral is False
        assert {found[pk].episode.is_open for pk in found} == {True}
    assert not queries.captured_queries
    # The rest stays deferred: the findings, and any other diagnosis's snapshot.
    assert (
        found[referral.pk].score_snapshot
        == AssessmentDecision.objects.get(pk=referral.pk).score_snapshot
    )
    assert {"findings", "confirmed_by_id"} <= found[neural.pk].get_deferred_fields()
    assert "score_snapshot" in found[neural.pk].get_deferred_fields()
    assert "score_snapshot" not in found[referral.pk].get_deferred_fields()


@pytest.mark.parametrize("url", [HOME_URL, reverse("portal:rehab")])
def test_it_draws_the_portal_pages_touching_nothing_deferred(patient_client, decided, url):
    # Every portal page's queries come before it is drawn: a deferred field read while
    # drawing would be one more SELECT of a decision or an episode by its key.
    with CaptureQueriesContext(connection) as queries:
        html = patient_client.get(url).content.decode()
    assert "Go to the emergency department (A&amp;E) now." in html
    by_key = [
        sql
        for sql in map(logged_sql, (q["sql"] for q in queries.captured_queries))
        if sql.startswith("SELECT")
        and (
            '"assessments_assessmentdecision"."id" = %s' in sql
            or '"patients_episode"."id" = %s' in sql
        )
    ]
    assert by_key == []
