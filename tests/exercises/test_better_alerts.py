"""Better alerts on the therapist's pages: each says why it fired, links to the session logs
behind it, and is acknowledged with a note that shows in the patient's alert history."""

import datetime as dt

import pytest
import time_machine
from django.db import IntegrityError
from django.urls import reverse

from exercises.models import AlertAcknowledgement
from exercises.selectors import open_alerts
from tests.exercises.factories import log, published_plan

pytestmark = pytest.mark.django_db

# Thursday 3 December 2026 at noon in London.
NOW = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)
TODAY = NOW.date()


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def plan(therapist, frozen):
    """A plan started 10 days ago, logged at pain 4, then 8/10 after exercise today."""
    plan = published_plan(therapist=therapist, start_date=TODAY - dt.timedelta(days=10))
    for days in (9, 7, 5, 3):
        log(plan, TODAY - dt.timedelta(days=days), pain=4)
    log(plan, TODAY, pain=3, after=8)
    return plan


def alerts_of(plan):
    return {item.alert.kind: item.alert for item in open_alerts(user=plan.created_by)}


def acknowledge_url(plan):
    return reverse("exercises:alert_acknowledge", args=[plan.public_id])


def test_it_shows_a_painful_session_on_the_dashboard_with_why_and_a_link_to_its_log(
    therapist_client, plan
):
    body = therapist_client.get(reverse("clinic:dashboard")).content.decode()
    assert "Painful session" in body
    assert "Pain 8/10 after exercise on 3 Dec, 4 points above the recent median of 4." in body
    logs = reverse("exercises:patient_logs", args=[plan.patient.public_id])
    assert f"{logs}?date_from=2026-12-03&amp;date_to=2026-12-03" in body


def test_it_asks_for_a_note_and_shows_the_error_next_to_the_field(therapist_client, plan):
    page = therapist_client.get(
        acknowledge_url(plan), {"kind": "pain_session", "period": "2026-12-03"}
    )
    assert page.status_code == 200
    assert "4 points above the recent median of 4" in page.content.decode()
    assert "is-invalid" not in page.content.decode()  # not asked yet: no complaint
    response = therapist_client.post(
        acknowledge_url(plan), {"kind": "pain_session", "period": "2026-12-03", "note": "  "}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["note"] == ["Write what you did about this alert."]
    assert 'id="error_1_id_note"' in response.content.decode()
    assert not AlertAcknowledgement.objects.exists()
    assert "pain_session" in alerts_of(plan)


def test_it_closes_the_alert_and_keeps_the_note_on_the_patient_page(
    therapist_client, therapist, plan
):
    response = therapist_client.post(
        acknowledge_url(plan),
        {"kind": "pain_session", "period": "2026-12-03", "note": "Rang her: eased the slider."},
    )
    assert response.url == reverse("clinic:dashboard")
    assert "pain_session" not in alerts_of(plan)
    body = therapist_client.get(reverse("patients:detail", args=[plan.patient.public_id]))
    text = body.content.decode()
    assert "Rang her: eased the slider." in text
    assert "Painful session" in text
    assert f"acknowledged by {therapist} on 3 Dec 2026" in text


def test_it_keeps_a_later_painful_session_open_after_an_earlier_one_is_acknowledged(
    therapist, plan
):
    from exercises.inbox import alert_acknowledge

    alert_acknowledge(
        plan=plan, kind="pain_session", period=TODAY, user=therapist, note="Spoke to her."
    )
    with time_machine.travel(NOW + dt.timedelta(days=2), tick=False):
        log(plan, TODAY + dt.timedelta(days=2), pain=9)
        alert = alerts_of(plan)["pain_session"]
    assert alert.period == TODAY + dt.timedelta(days=2)


def test_it_alerts_on_low_adherence_when_only_one_exercise_of_three_is_done(therapist):
    with time_machine.travel(NOW, tick=False):
        plan = published_plan(therapist=therapist, start_date=TODAY - dt.timedelta(days=7))
        for days in range(7, 0, -1):  # a session every day, but only the first exercise
            log(plan, TODAY - dt.timedelta(days=days), done=1)
        alert = alerts_of(plan)["low_adherence"]
    assert alert.message == "Week 1: 7 of the 21 exercises due were done (33%)."


def test_it_keeps_the_database_check_in_step_with_the_alert_kinds(plan, therapist):
    for kind in AlertAcknowledgement.Kind.values:
        AlertAcknowledgement.objects.create(
            plan=plan, kind=kind, period=TODAY, acknowledged_by=therapist, acknowledged_at=NOW
        )
    with pytest.raises(IntegrityError):
        AlertAcknowledgement.objects.create(
            plan=plan, kind="made_up", period=TODAY, acknowledged_by=therapist, acknowledged_at=NOW
        )


# --- The patient's session logs for clinicians --------------------------------------------


def logs_url(plan, **query):
    url = reverse("exercises:patient_logs", args=[plan.patient.public_id])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_it_shows_every_answer_of_a_session_log(therapist_client, therapist, frozen):
    plan = published_plan(therapist=therapist, start_date=TODAY - dt.timedelta(days=3))
    log(
        plan,
        TODAY,
        pain=2,
        after=6,
        worse_next_morning=True,
        lasting_pins_needles=True,
        new_symptoms=["hot_calf"],
        comment="Calf felt warm.",
    )
    body = therapist_client.get(logs_url(plan)).content.decode()
    assert "2/10 · 6/10" in body
    assert "Worse the next morning</dt><dd" in body
    assert body.count("<strong>Yes</strong>") == 2  # next morning, pins and needles
    assert "A calf that is hot, swollen or red" in body
    assert "Calf felt warm." in body
    assert 'id="log-2026-12-03"' in body


def test_it_filters_the_logs_to_the_days_of_an_alert(therapist_client, plan):
    body = therapist_client.get(logs_url(plan, date_from="2026-12-03", date_to="2026-12-03"))
    assert [entry.date for entry in body.context["page"]] == [TODAY]


def test_it_shows_bad_filter_dates_next_to_the_field(therapist_client, plan):
    response = therapist_client.get(logs_url(plan, date_from="2026-12-05", date_to="2026-12-01"))
    assert response.status_code == 200
    assert response.context["form"].errors["date_to"] == ["Choose a day on or after the first one."]
    assert len(response.context["page"]) == 5  # every log, unfiltered


@pytest.mark.parametrize(
    ("who", "status"), [("therapist", 200), ("manager", 200), ("reception", 403)]
)
def test_it_shows_the_logs_to_clinicians_only(client, request, plan, who, status):
    client.force_login(request.getfixturevalue(who))
    assert client.get(logs_url(plan)).status_code == status


def test_it_refuses_the_logs_to_the_patient(client, plan):
    from clinic.models import User

    patient_user = User.objects.create_user(
        email="p@test.example", password="x-Pass-1234", role=User.Role.PATIENT
    )
    plan.patient.user = patient_user
    plan.patient.save()
    client.force_login(patient_user)
    assert client.get(logs_url(plan)).status_code in (403, 404)


@pytest.mark.parametrize("count", [3, 30])
def test_it_lists_the_logs_in_a_fixed_number_of_queries(
    therapist_client, therapist, django_assert_num_queries, frozen, count
):
    plan = published_plan(therapist=therapist, start_date=TODAY - dt.timedelta(days=40))
    for days in range(count):
        log(plan, TODAY - dt.timedelta(days=days))
    therapist_client.get(logs_url(plan))  # the session was just saved: not saved again
    # Queries: session, user, the patient, the count, one page of logs with their plans and
    # episodes, the audit INSERT.
    with django_assert_num_queries(6):
        response = therapist_client.get(logs_url(plan))
    assert len(response.context["page"]) == min(count, 20)


def test_it_links_the_logs_from_the_patient_page(therapist_client, plan):
    body = therapist_client.get(reverse("patients:detail", args=[plan.patient.public_id]))
    assert logs_url(plan) in body.content.decode()
