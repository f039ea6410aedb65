"""patient_for_user and episodes_load read with SQL compiled once per process (clinic/rows.py):
they still answer 404 for what a user may not see, and the episodes come newest first."""

import datetime as dt

import pytest
from django.http import Http404

from patients import selectors
from patients.services import episode_discharge, episode_open
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("public_id", ["not-a-uuid", "00000000-0000-0000-0000-000000000000"])
def test_it_gives_404_for_an_id_that_names_no_patient(therapist, public_id):
    with pytest.raises(Http404):
        selectors.patient_for_user(user=therapist, public_id=public_id)


def test_it_finds_a_patient_by_the_text_of_their_id(reception):
    patient = PatientFactory()
    found = selectors.patient_for_user(user=reception, public_id=str(patient.public_id))
    assert found.pk == patient.pk
    assert found.full_name == patient.full_name


def test_it_gives_a_portal_user_only_their_own_record(patient_user):
    other = PatientFactory()
    with pytest.raises(Http404):
        selectors.patient_for_user(user=patient_user, public_id=other.public_id)


def test_it_loads_the_episodes_newest_first_for_every_panel(therapist, django_assert_num_queries):
    patient = PatientFactory()
    first = episode_open(patient=patient, side="left", started_on=dt.date(2026, 1, 5))
    episode_discharge(episode=first, discharged_on=dt.date(2026, 3, 1), outcome="resolved")
    episode_open(patient=patient, side="right", started_on=dt.date(2026, 6, 1))
    patient = selectors.patient_for_user(user=therapist, public_id=patient.public_id)
    with django_assert_num_queries(1):
        selectors.episodes_load(patient=patient)
    with django_assert_num_queries(0):
        episodes = list(patient.episodes.all())
        assert [e.number for e in episodes] == [2, 1]
        assert [e.number for e in selectors.open_episodes(patient=patient)] == [2]
        assert episodes[0].patient is patient
