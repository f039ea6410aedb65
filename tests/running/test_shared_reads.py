"""The patient page reads the patient's programmes once, for the rehab panel's measures and the
running panel."""

from __future__ import annotations

import datetime as dt

import pytest

from patients import page_rows
from patients.models import Patient
from patients.selectors import episodes_load, page_reads_begin
from running import panels
from running.measures import latest_measures, latest_measures_of_episodes
from running.models import RunProgramme
from running.selectors import patient_panel_data
from tests.patients.factories import EpisodeFactory
from tests.running.conftest import TODAY
from tests.running.factories import programme, run

pytestmark = pytest.mark.django_db


def test_it_gives_each_episode_its_newest_programme_and_shares_the_read_with_the_panel(
    therapist, me, my_episode, django_assert_num_queries
):
    first = programme(therapist=therapist, episode=my_episode)
    newest = programme(therapist=therapist, episode=my_episode, template="lumbar")
    other_episode = EpisodeFactory(patient=me)
    other = programme(therapist=therapist, episode=other_episode)

    patient = Patient.objects.get(pk=me.pk)
    episodes_load(patient=patient)
    page_reads_begin(patient=patient)  # as the patient page does
    episodes = list(patient.episodes.all())
    with django_assert_num_queries(1):  # the patient's programmes
        found = latest_measures_of_episodes(episodes=episodes)
    assert found[my_episode.pk]["run_programme_step"]["value"] == newest.step_label
    assert found[other_episode.pk]["run_programme_step"]["value"] == other.step_label
    # An episode on its own, its patient not loaded: the same answer from its own read.
    assert (
        latest_measures(episode=type(my_episode).objects.get(pk=my_episode.pk))
        == (found[my_episode.pk])
    )

    with django_assert_num_queries(2):  # the current programme's runs and decisions
        panel = patient_panel_data(patient=patient)
    # Newest first (the clock stands still in these tests: the later one by its key).
    assert [item.pk for item in panel["programmes"]] == [other.pk, newest.pk, first.pk]
    assert panel["current"] == other


def test_it_reads_afresh_outside_the_patient_page(therapist, me, my_episode):
    """Only the patient page shares the read: elsewhere (a service, a second look after a
    write) a programme assigned since the first look is seen."""
    patient = Patient.objects.get(pk=me.pk)
    episodes_load(patient=patient)
    episode = patient.episodes.get()
    assert latest_measures_of_episodes(episodes=[episode]) == {}
    programme(therapist=therapist, episode=my_episode)
    assert episode.pk in latest_measures_of_episodes(episodes=[episode])


def test_the_page_s_one_read_takes_the_runs_of_the_programme_the_panel_shows(
    therapist, me, my_episode, django_assert_num_queries
):
    """The patient page reads the current programme's runs and decisions with its other
    reads (patients/page_rows.py), choosing the programme by the panel's own rule: an older
    active one before a newer one that is over."""
    older = programme(
        therapist=therapist, episode=my_episode, started_on=TODAY - dt.timedelta(days=10)
    )
    kept = run(older, TODAY - dt.timedelta(days=3))
    newer = programme(
        therapist=therapist,
        episode=EpisodeFactory(patient=me),
        template="lumbar",
        started_on=TODAY - dt.timedelta(days=5),
    )
    run(newer, TODAY - dt.timedelta(days=1))
    RunProgramme.objects.filter(pk=newer.pk).update(status=RunProgramme.Status.COMPLETED)

    expected = patient_panel_data(patient=Patient.objects.get(pk=me.pk))
    patient = Patient.objects.get(pk=me.pk)
    episodes_load(patient=patient)  # the page holds its episodes before its one read
    page_reads_begin(patient=patient)
    page_rows.read(
        patient=patient, reads=panels.patient_page_reads(user=therapist, patient=patient)
    )
    with django_assert_num_queries(0):
        panel = patient_panel_data(patient=patient)
    assert panel["current"] == older == expected["current"]
    assert [item.pk for item in panel["runs"]] == [kept.pk]
    assert [item.pk for item in panel["decisions"]] == [item.pk for item in expected["decisions"]]
