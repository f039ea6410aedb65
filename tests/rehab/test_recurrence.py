"""A recurrence: the new episode shows what happened last time."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clinic.rows import logged_sql
from patients.services import episode_open
from rehab import selectors
from tests.rehab.conftest import calm_week, slr_visit
from tests.rehab.factories import stage_change

pytestmark = pytest.mark.django_db


@pytest.fixture
def recurrence(therapist_client, neural_case, therapist):
    """Episode 1: neural, 30 days in restore movement (stalled there), discharged with the
    H-test never done; then the pain comes back and episode 2 opens."""
    now = timezone.now()
    calm_week(neural_case.plan)
    slr_visit(neural_case.episode, therapist, affected=70, other=75, days_ago=1)
    for days, (before, after) in (
        (40, ("settle", "restore_movement")),
        (10, ("restore_movement", "load")),
    ):
        stage_change(
            episode=neural_case.episode,
            user=therapist,
            from_stage=before,
            to_stage=after,
            when=now - dt.timedelta(days=days),
        )
    response = therapist_client.post(
        reverse("patients:episode_discharge", args=[neural_case.episode.public_id]),
        {"discharged_on": timezone.localdate().isoformat(), "outcome": "improved"},
    )
    assert response.status_code == 302
    new = episode_open(patient=neural_case.patient, side="left", started_on=timezone.localdate())
    return neural_case, new


def test_it_shows_what_happened_last_time_on_the_new_episode(recurrence):
    case, new = recurrence
    previous = selectors.previous_episode(episode=new)
    assert previous.episode == case.episode
    assert previous.diagnosis == "Neural tissue sensitivity"
    assert [(p.stage.code, p.days) for p in previous.periods] == [
        ("settle", 0),  # moved on the day the diagnosis was confirmed
        ("restore_movement", 30),
        ("load", 10),
    ]
    assert previous.stalled.stage.code == "restore_movement"
    assert {row["code"] for row in previous.unmet_at_discharge} >= {"h_test_negative"}
    assert previous.care[0]["label"] == "Home exercises"
    assert previous.care[0]["items"]  # the exercises the patient was given


def test_it_shows_the_recurrence_on_the_patient_page(therapist_client, recurrence):
    case, _new = recurrence
    content = therapist_client.get(
        reverse("patients:detail", args=[case.patient.public_id])
    ).content.decode()
    assert f"Last time: episode {case.episode.number}" in content
    assert "Stalled in" in content
    assert "Restore movement (30 days, the longest)" in content
    assert "H-test negative" in content  # unmet at discharge
    assert "No confirmed diagnosis yet" in content  # the new episode has none yet


def test_it_shows_nothing_from_before_on_a_first_episode(neural_case):
    assert selectors.previous_episode(episode=neural_case.episode) is None


@pytest.mark.parametrize("changes", [2, 10])
def test_it_opens_the_patient_page_with_a_recurrence_in_a_fixed_number_of_queries(
    therapist_client, therapist, recurrence, django_assert_num_queries, changes
):
    case, _new = recurrence
    for number in range(changes - 2):
        forth = number % 2 == 0
        stage_change(
            episode=case.episode,
            user=therapist,
            from_stage="load" if forth else "return_to_run",
            to_stage="return_to_run" if forth else "load",
            when=timezone.now() - dt.timedelta(days=9, hours=-number),
            reason="Back and forth",
        )
    url = reverse("patients:detail", args=[case.patient.public_id])
    with django_assert_num_queries(QUERIES):
        response = therapist_client.get(url)
    assert response.status_code == 200


# The patient page as a therapist: the session, the user, the patient, then every app's rows
# in the page's one read (patients/page_rows.py: the episodes, decisions and stage changes for
# every episode, the open episode's measures and logs, the summaries, the earlier episode's
# plan versions, treatment's visits, running's programmes, the texts), and the audit insert.
# No referral query: no decision is a referral.
QUERIES = 5


def test_it_reads_decisions_stage_changes_and_summaries_once_on_the_patient_page(
    therapist_client, recurrence
):
    """The timeline, the referrals panel and the rehab panel (both episodes) all need the
    patient's decisions and stage changes, and the recurrence its discharge summary: each is
    read once for the page, not once per panel and episode."""
    case, _new = recurrence
    with CaptureQueriesContext(connection) as captured:
        response = therapist_client.get(reverse("patients:detail", args=[case.patient.public_id]))
    assert "Last time: episode" in response.content.decode()
    reads = [logged_sql(query["sql"]) for query in captured.captured_queries]

    def loads(table: str) -> int:  # the page's one read (patients/page_rows.py) names each once
        return sum(f'FROM "{table}"' in sql for sql in reads)

    assert loads("assessments_assessmentdecision") == 1
    assert loads("rehab_stagechange") == 1
    assert loads("rehab_dischargesummary") == 1


def test_it_names_each_episode_s_own_exercises_from_the_versions_the_page_read(
    neural_case, therapist, django_assert_num_queries
):
    """On the patient page "what happened last time" takes the plan versions the progress
    suggestions read for the whole patient: only the episode's own exercises, in the order
    first given, as its own read gives them."""
    from exercises.progress_selectors import versions_of_patient
    from exercises.recurrence import recurrence_facts
    from patients.models import Patient
    from patients.selectors import episodes_load, page_reads_begin
    from tests.exercises.factories import published_plan

    other = episode_open(patient=neural_case.patient, side="left", started_on=timezone.localdate())
    published_plan(therapist=therapist, episode=other, codes=("EX-N03",))
    alone = {
        episode.pk: recurrence_facts(episode=episode) for episode in (neural_case.episode, other)
    }
    patient = Patient.objects.get(pk=neural_case.patient.pk)
    episodes_load(patient=patient)
    page_reads_begin(patient=patient)  # as the patient page does
    versions_of_patient(patient=patient)
    with django_assert_num_queries(0):
        shared = {
            episode.pk: recurrence_facts(episode=episode) for episode in patient.episodes.all()
        }
    assert shared == alone
    assert alone[other.pk][0]["items"] != alone[neural_case.episode.pk][0]["items"]
