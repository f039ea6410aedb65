"""What a patient is told at the top of every page while a confirmed red-flag referral is open
(SPEC 3.9b, amendment 26), and what "open" means. The walk over every portal page is in
tests/security/test_red_flag_notice_walk.py."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import AssessmentDecision
from assessments.selectors import open_red_flags_for_patient
from assessments.services import referral_outcome_record
from clinic.rows import logged_sql
from exercises.selectors import patient_today
from patients.models import Episode
from tests.conftest import make_user
from tests.exercises.factories import confirmed_decision
from tests.patients.factories import EpisodeFactory, PatientFactory

pytestmark = pytest.mark.django_db
HOME_URL = reverse("portal:home")
SAFETY_URL = reverse("portal:safety")
NOTICE = "red-flag-notice"


@pytest.fixture(autouse=True)
def phone(settings):
    settings.CLINIC_PHONE = "+44 20 7946 0000"


@pytest.fixture
def me(patient_user):
    return PatientFactory(user=patient_user, first_name="Pat")


@pytest.fixture
def episode(me):
    return EpisodeFactory(patient=me)


def referral(episode, therapist, *, tier=None, rules="1.2"):
    decision = confirmed_decision(
        episode=episode, therapist=therapist, final_dx="red_flag_referral"
    )
    AssessmentDecision.objects.filter(pk=decision.pk).update(
        score_snapshot={"tier": tier} if tier else {}, model_version=rules
    )
    return decision


def notice_on(client, url=SAFETY_URL) -> str:
    """The notice's markup on a page ("" when there is none)."""
    html = client.get(url).content.decode()
    if NOTICE not in html:
        return ""
    start = html.rindex("<div", 0, html.index(NOTICE))
    return html[start : html.index("</div>", start)]


def test_it_tells_the_patient_what_to_do_and_how_to_ring_the_clinic(
    patient_client, episode, therapist
):
    referral(episode, therapist, tier="same_day")
    html = notice_on(patient_client)
    assert 'role="alert"' in html
    assert "Please see a doctor today." in html
    assert "Your physiotherapist found something that needs a doctor to check it." in html
    assert 'href="tel:+442079460000">+44 20 7946 0000</a>' in html


def test_it_gives_the_most_urgent_instruction_when_several_referrals_are_open(
    patient_client, me, episode, therapist
):
    referral(episode, therapist, tier="urgent")
    referral(EpisodeFactory(patient=me), therapist, tier="emergency")
    html = notice_on(patient_client)
    assert "Go to the emergency department (A&amp;E) now." in html
    assert "within the next week" not in html


def test_it_reads_an_old_rules_urgent_tier_as_see_a_doctor_today(
    patient_client, episode, therapist
):
    referral(episode, therapist, tier="urgent", rules="1.1")
    assert "Please see a doctor today." in notice_on(patient_client)


def test_it_leaves_out_the_phone_line_when_the_clinic_has_no_number(
    patient_client, episode, therapist, settings
):
    settings.CLINIC_PHONE = ""
    referral(episode, therapist)
    html = notice_on(patient_client)
    assert "Please see a doctor today." in html
    assert "tel:" not in html


def test_it_closes_the_referral_when_a_later_decision_replaces_it(me, episode, therapist):
    referral(episode, therapist)
    assert len(open_red_flags_for_patient(patient=me)) == 1
    confirmed_decision(episode=episode, therapist=therapist, final_dx="neural")
    assert open_red_flags_for_patient(patient=me) == []


def test_it_closes_the_referral_when_the_episode_is_discharged(me, episode, therapist):
    referral(episode, therapist)
    Episode.objects.filter(pk=episode.pk).update(
        status="discharged", discharged_on=dt.date(2026, 3, 1)
    )
    assert open_red_flags_for_patient(patient=me) == []


def test_it_orders_decisions_made_in_the_same_instant_by_their_id(me, episode, therapist):
    first = referral(episode, therapist)
    later = confirmed_decision(episode=episode, therapist=therapist, final_dx="neural")
    AssessmentDecision.objects.filter(pk=later.pk).update(confirmed_at=first.confirmed_at)
    assert open_red_flags_for_patient(patient=me) == []


def test_it_never_shows_one_patients_referral_to_another(client, episode, therapist):
    referral(episode, therapist)
    other = PatientFactory(user=make_user("other@runners.example", "patient"))
    EpisodeFactory(patient=other)
    client.force_login(other.user)
    assert notice_on(client, HOME_URL) == ""


def test_it_costs_staff_pages_no_query(therapist_client, episode, therapist):
    referral(episode, therapist)
    url = reverse("patients:list")
    therapist_client.get(url)
    with CaptureQueriesContext(connection) as queries:
        html = therapist_client.get(url).content.decode()
    assert NOTICE not in html
    assert not [
        q
        for q in queries.captured_queries
        if "assessments_assessmentdecision" in logged_sql(q["sql"])
    ]


def test_it_keeps_the_notice_until_an_outcome_clears_the_patient(
    patient_client, me, episode, therapist
):
    decision = referral(episode, therapist, tier="same_day")
    seen = {"decision": decision, "by": therapist, "seen_on": patient_today(me), "seen_by": "gp"}
    referral_outcome_record(**seen, result="Scan booked for Friday.", cleared_to_resume="not_yet")
    assert "Please see a doctor today." in notice_on(patient_client)

    referral_outcome_record(**seen, result="DVT excluded on scan.", cleared_to_resume="yes")
    assert notice_on(patient_client) == ""
    assert open_red_flags_for_patient(patient=me) == []


def test_the_page_reads_the_referrals_once_however_often_it_asks(rf, me, episode, therapist):
    """The context processor's notice is read when first asked, then kept for the request."""
    from portal.context_processors import red_flag_notice

    referral(episode, therapist, tier="same_day")
    request = rf.get(SAFETY_URL)
    request.user = me.user
    notice = red_flag_notice(request)["red_flag_notice"]
    with CaptureQueriesContext(connection) as queries:
        first, again = notice(), notice()
    assert first["action"].startswith("Please see a doctor today.")
    assert again is first
    assert len(queries) == 1


def test_a_patient_without_a_referral_is_told_nothing_by_any_road(rf, me, episode):
    from portal.context_processors import red_flag_notice, red_flag_notice_from, red_flag_notice_of

    request = rf.get(SAFETY_URL)
    request.user = me.user
    assert red_flag_notice(request)["red_flag_notice"]() is None
    assert red_flag_notice_of(me)() is None
    assert red_flag_notice_from([])() is None
