"""Open red-flag referrals stay in front of the clinicians until their outcome is recorded
(SPEC 3.9b, amendment 26): the dashboard's "Open referrals", the record-outcome page and the
outcome history on the staff patient page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from assessments import referrals
from assessments.models import AssessmentDecision, ReferralOutcome
from clinic.models import AuditEvent
from exercises.models import ExercisePlan
from tests.assessments.factories import AssessmentFactory
from tests.assessments.test_diagnosis_red_flags import STRONG_NEURAL
from tests.exercises.factories import confirmed_decision, published_plan
from tests.patients.factories import EpisodeFactory, PatientFactory

pytestmark = pytest.mark.django_db

SUSPECTED_DVT = {**STRONG_NEURAL, "rf_calf_swelling_warmth": True}  # same day
CAUDA_EQUINA = {**STRONG_NEURAL, "rf_bladder_change": True}  # emergency
SUSPECTED_AVULSION = {**STRONG_NEURAL, "rf_suspected_complete_avulsion": True}  # urgent
DASHBOARD = reverse("clinic:dashboard")
OPEN_REFERRALS = reverse("assessments:referrals")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def refer(client, patient, therapist, findings) -> AssessmentDecision:
    """The physiotherapist confirms the engine's red flag, as on the assessment page."""
    episode = patient.episodes.first() or EpisodeFactory(patient=patient)
    assessment = AssessmentFactory(
        episode=episode, therapist=therapist, final=True, findings=findings
    )
    response = client.post(
        reverse("assessments:decide", args=[assessment.public_id]),
        {"clinician_final_dx": "red_flag_referral"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return AssessmentDecision.objects.get(assessment=assessment)


def outcome_url(decision) -> str:
    return reverse("assessments:referral", args=[decision.public_id])


def record(client, decision, **fields):
    data = {
        "seen_on": timezone.localdate().isoformat(),
        "seen_by": "emergency",
        "seen_by_detail": "",
        "result": "DVT excluded by scan",
        "cleared_to_resume": "yes",
        **fields,
    }
    return client.post(outcome_url(decision), data)


def open_panel(client) -> str:
    """The dashboard's "Open referrals" panel, as text."""
    html = client.get(DASHBOARD).content.decode()
    start = html.index('id="open-referrals-heading"')
    return html[start : html.index("</section>", start)]


@pytest.fixture
def ada(therapist):
    return PatientFactory(first_name="Ada", last_name="Lovelace", created_by=therapist)


def test_it_keeps_a_suspected_dvt_on_the_dashboard_until_it_is_excluded_and_she_is_cleared(
    therapist, ada
):
    physio = signed_in(therapist)
    referral = refer(physio, ada, therapist, SUSPECTED_DVT)

    panel = open_panel(physio)
    assert "Ada Lovelace" in panel
    assert "Same day" in panel
    assert outcome_url(referral) in panel

    # Seen at A&E the same evening, the scan is tomorrow: still open.
    response = record(
        physio,
        referral,
        result="Seen at A&E, scan booked for tomorrow",
        cleared_to_resume="not_yet",
    )
    assert response.status_code == 302
    assert "Ada Lovelace" in open_panel(physio)
    assert "scan booked for tomorrow" in open_panel(physio)
    assert referrals.referral_is_open(referral)

    # Scan clear, cleared to resume: the referral leaves the dashboard.
    response = record(physio, referral, result="DVT excluded by scan", cleared_to_resume="yes")
    assert response.status_code == 302
    assert "Ada Lovelace" not in open_panel(physio)
    assert "No open referrals." in open_panel(physio)
    assert not referrals.referral_is_open(referral)

    # Both outcomes stay on record, newest first, on the staff patient page.
    page = physio.get(reverse("patients:detail", args=[ada.public_id])).content.decode()
    assert "Red-flag referrals" in page
    assert "Closed" in page
    assert page.index("DVT excluded by scan") < page.index("scan booked for tomorrow")
    assert ReferralOutcome.objects.filter(decision=referral).count() == 2


def test_it_marks_the_referral_open_on_the_patient_page_until_an_outcome_closes_it(therapist, ada):
    physio = signed_in(therapist)
    referral = refer(physio, ada, therapist, SUSPECTED_DVT)
    patient_page = reverse("patients:detail", args=[ada.public_id])

    page = physio.get(patient_page).content.decode()
    assert "Red-flag referrals" in page
    assert re.search(r"badge text-bg-danger\">Open<", page)
    assert "No outcome recorded yet." in page
    assert outcome_url(referral) in page


def test_it_shows_an_emergency_referral_as_overdue_at_once(therapist, ada):
    physio = signed_in(therapist)
    refer(physio, ada, therapist, CAUDA_EQUINA)

    panel = open_panel(physio)
    assert "Emergency: A&amp;E now" in panel
    assert "Overdue" in panel
    assert "referral-overdue" in panel


def test_it_shows_a_same_day_referral_overdue_only_after_that_day_where_the_patient_lives(
    therapist,
):
    # Referred at 20:00 in New York, which is already 01:00 the next day in London.
    ny = PatientFactory(first_name="Nia", created_by=therapist, time_zone="America/New_York")
    with time_machine.travel(dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC), tick=False):
        referral = refer(signed_in(therapist), ny, therapist, SUSPECTED_DVT)
        assert "Overdue" not in open_panel(signed_in(therapist))
    with time_machine.travel(dt.datetime(2026, 3, 2, 4, 59, tzinfo=dt.UTC), tick=False):
        assert "Overdue" not in open_panel(signed_in(therapist))  # 23:59 in New York
    with time_machine.travel(dt.datetime(2026, 3, 2, 5, 0, tzinfo=dt.UTC), tick=False):
        assert "Overdue" in open_panel(signed_in(therapist))  # midnight in New York
    assert referral.referral_tier == "same_day"


def test_it_shows_an_urgent_referral_overdue_after_seven_days(therapist, ada):
    confirmed = dt.datetime(2026, 3, 2, 10, 0, tzinfo=dt.UTC)
    with time_machine.travel(confirmed, tick=False):
        refer(signed_in(therapist), ada, therapist, SUSPECTED_AVULSION)
    with time_machine.travel(confirmed + dt.timedelta(days=6, hours=23), tick=False):
        panel = open_panel(signed_in(therapist))
        assert "Urgent: within a week" in panel
        assert "Overdue" not in panel
    with time_machine.travel(confirmed + dt.timedelta(days=7), tick=False):
        assert "Overdue" in open_panel(signed_in(therapist))


def test_it_lists_the_oldest_referral_first(therapist):
    physio = signed_in(therapist)
    first = PatientFactory(first_name="Zed", created_by=therapist)
    second = PatientFactory(first_name="Abe", created_by=therapist)
    older = refer(physio, first, therapist, SUSPECTED_AVULSION)
    refer(physio, second, therapist, SUSPECTED_AVULSION)
    AssessmentDecision.objects.filter(pk=older.pk).update(
        confirmed_at=older.confirmed_at - dt.timedelta(days=2)
    )

    panel = open_panel(physio)
    assert panel.index("Zed") < panel.index("Abe")


def test_it_closes_a_referral_with_no_further_action_even_when_not_cleared(therapist, ada):
    physio = signed_in(therapist)
    referral = refer(physio, ada, therapist, SUSPECTED_AVULSION)

    response = record(
        physio,
        referral,
        seen_by="specialist",
        seen_by_detail="Mr Khan, orthopaedics",
        result="Avulsion confirmed, repaired; rehab with the hospital team",
        cleared_to_resume="no",
        no_further_action="on",
    )

    assert response.status_code == 302
    assert not referrals.referral_is_open(referral)
    assert "No open referrals." in open_panel(physio)


def test_it_opens_the_referral_again_when_a_later_outcome_counts_against_it(therapist, ada):
    physio = signed_in(therapist)
    referral = refer(physio, ada, therapist, SUSPECTED_DVT)
    record(physio, referral, cleared_to_resume="yes")
    assert not referrals.referral_is_open(referral)

    record(physio, referral, result="Calf swollen again, back to A&E", cleared_to_resume="not_yet")

    assert referrals.referral_is_open(referral)
    assert "Ada" in open_panel(physio)


def test_it_does_not_resume_the_held_plan_but_offers_the_resume_page(therapist, ada):
    plan = published_plan(therapist=therapist, patient=ada)
    physio = signed_in(therapist)
    referral = refer(physio, ada, therapist, SUSPECTED_DVT)
    plan.refresh_from_db()
    assert plan.is_held

    response = record(physio, referral, cleared_to_resume="yes")

    plan.refresh_from_db()
    assert plan.status == ExercisePlan.Status.PAUSED
    assert plan.is_held
    page = physio.get(response["Location"]).content.decode()
    assert "is cleared to resume" in page
    assert reverse("exercises:plan_resume", args=[plan.public_id]) in page


def test_it_audits_each_outcome(therapist, ada):
    physio = signed_in(therapist)
    referral = refer(physio, ada, therapist, SUSPECTED_DVT)

    record(physio, referral)

    event = AuditEvent.objects.get(detail__event="referral_outcome_recorded")
    assert event.patient_id == ada.pk
    assert event.actor_id == therapist.pk
    assert event.detail["closes_referral"] is True


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"seen_on": "2999-01-01"}, "seen_on", "cannot be in the future"),
        ({"seen_on": "2020-01-01"}, "seen_on", "on or after the referral"),
        ({"seen_on": "31/02/2026"}, "seen_on", "Enter a valid date"),
        ({"seen_by": "other", "seen_by_detail": " "}, "seen_by_detail", "who saw the patient"),
        ({"result": "   "}, "result", "This field is required"),
        ({"cleared_to_resume": "maybe"}, "cleared_to_resume", "Select a valid choice"),
    ],
)
def test_it_explains_bad_input_next_to_the_field_and_saves_nothing(
    therapist, ada, fields, field, message
):
    physio = signed_in(therapist)
    referral = refer(physio, ada, therapist, SUSPECTED_DVT)

    response = record(physio, referral, **fields)

    assert response.status_code == 400
    assert message in str(response.context["form"].errors[field])
    assert not ReferralOutcome.objects.exists()
    assert referrals.referral_is_open(referral)


def test_it_shows_the_form_with_an_iso_date_for_a_date_input(therapist, ada):
    physio = signed_in(therapist)
    referral = refer(physio, ada, therapist, SUSPECTED_DVT)

    html = physio.get(outcome_url(referral)).content.decode()

    assert f'type="date" name="seen_on" value="{timezone.localdate().isoformat()}"' in html


def test_it_has_no_outcome_page_for_a_decision_that_is_not_a_referral(therapist, ada):
    decision = confirmed_decision(
        episode=EpisodeFactory(patient=ada), therapist=therapist, final_dx="neural"
    )

    assert signed_in(therapist).get(outcome_url(decision)).status_code == 404
    assert not referrals.referral_is_open(decision)


def test_it_shows_reception_and_patients_nothing_of_a_referral(
    therapist, reception, patient_user, ada
):
    referral = refer(signed_in(therapist), ada, therapist, SUSPECTED_DVT)
    desk = signed_in(reception)

    assert desk.get(OPEN_REFERRALS).status_code == 403
    assert desk.get(outcome_url(referral)).status_code == 403
    assert record(desk, referral).status_code == 403
    page = desk.get(reverse("patients:detail", args=[ada.public_id])).content.decode()
    assert "Red-flag referrals" not in page
    assert referrals.referrals_for_user(user=reception).count() == 0
    assert list(referrals.open_referrals(user=patient_user)) == []
    portal = signed_in(patient_user)
    assert portal.get(outcome_url(referral)).status_code in (403, 404)
    assert portal.get(OPEN_REFERRALS).status_code in (403, 404)
    assert not ReferralOutcome.objects.exists()


def test_it_lists_a_therapists_own_patients_and_every_patient_for_the_manager(
    therapist, other_therapist, manager, ada
):
    bo = PatientFactory(first_name="Bo", last_name="Colleague", created_by=other_therapist)
    refer(signed_in(therapist), ada, therapist, SUSPECTED_DVT)
    refer(signed_in(other_therapist), bo, other_therapist, SUSPECTED_DVT)
    # A colleague's patient whose exercise plan this therapist prescribed is theirs too.
    cy = PatientFactory(first_name="Cy", last_name="Shared")
    published_plan(therapist=therapist, patient=cy)
    refer(signed_in(other_therapist), cy, other_therapist, SUSPECTED_AVULSION)

    mine = open_panel(signed_in(therapist))
    assert "Ada Lovelace" in mine
    assert "Cy Shared" in mine
    assert "Bo Colleague" not in mine
    everyone = open_panel(signed_in(manager))
    assert all(name in everyone for name in ("Ada Lovelace", "Bo Colleague", "Cy Shared"))


def test_it_gives_the_portal_the_patients_open_referrals_most_urgent_first(therapist, ada):
    physio = signed_in(therapist)
    urgent = refer(physio, ada, therapist, SUSPECTED_AVULSION)
    emergency = refer(physio, ada, therapist, CAUDA_EQUINA)
    closed = refer(physio, ada, therapist, SUSPECTED_DVT)
    record(physio, closed)

    assert referrals.patient_open_referrals(patient=ada) == [emergency, urgent]


def test_it_pages_the_full_list_in_a_fixed_number_of_queries(therapist, django_assert_num_queries):
    physio = signed_in(therapist)
    physio.get(OPEN_REFERRALS)  # session warm-up
    for number in range(3):
        patient = PatientFactory(first_name=f"P{number}", created_by=therapist)
        refer(physio, patient, therapist, SUSPECTED_DVT)
    # Queries: session, user, the count, one page of referrals with their patients, and the
    # audit trail's one insert for the patients shown.
    with django_assert_num_queries(5):
        response = physio.get(OPEN_REFERRALS)
    assert response.content.decode().count("Record outcome") == 3
    for number in range(3, 30):
        patient = PatientFactory(first_name=f"P{number}", created_by=therapist)
        refer(physio, patient, therapist, SUSPECTED_DVT)
    with django_assert_num_queries(5):
        response = physio.get(OPEN_REFERRALS)
    assert response.content.decode().count("Record outcome") == 25
    assert "Page 1 of 2" in response.content.decode()


def test_it_shows_the_dashboard_the_first_ten_and_links_to_the_rest(therapist):
    physio = signed_in(therapist)
    for number in range(11):
        patient = PatientFactory(first_name=f"P{number}", created_by=therapist)
        refer(physio, patient, therapist, SUSPECTED_AVULSION)

    panel = open_panel(physio)

    assert panel.count("Record outcome") == 10
    assert OPEN_REFERRALS in panel
