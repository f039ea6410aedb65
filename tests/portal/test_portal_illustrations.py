"""Patients see the pictures of the exercises in their own current plan, and nothing else."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from exercises.models import Exercise
from tests.exercises.factories import published_plan
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
NOW = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def plan(patient_user, therapist):
    me = PatientFactory(user=patient_user)
    with time_machine.travel(NOW, tick=False):
        plan = published_plan(therapist=therapist, patient=me, start_date=NOW.date())
    return plan


def _illustrate(exercise: Exercise) -> None:
    exercise.illustration = SimpleUploadedFile("move.png", PNG)
    exercise.save()


def test_it_shows_the_picture_of_an_exercise_in_the_plan(client, patient_user, plan):
    first, second = [item["key"] for item in plan.current_version.items][:2]
    _illustrate(Exercise.objects.get(code=first))
    client.force_login(patient_user)
    home = client.get(reverse("portal:home")).content.decode()
    assert reverse("portal:illustration", args=[first]) in home
    assert reverse("portal:illustration", args=[second]) not in home  # it has no picture
    response = client.get(reverse("portal:illustration", args=[first]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == PNG


def test_it_hides_pictures_of_exercises_outside_the_plan(client, patient_user, plan):
    in_plan = {item["key"] for item in plan.current_version.items}
    other = Exercise.objects.exclude(code__in=in_plan).first()
    _illustrate(other)
    client.force_login(patient_user)
    assert client.get(reverse("portal:illustration", args=[other.code])).status_code == 404


def test_it_hides_another_patients_plan_pictures(client, therapist, plan):
    code = plan.current_version.items[0]["key"]
    _illustrate(Exercise.objects.get(code=code))
    someone = PatientFactory(user=None)
    from tests.conftest import make_user

    stranger = make_user("stranger@test.example", "patient")
    someone.user = stranger
    someone.save()
    client.force_login(stranger)  # no plan at all
    assert client.get(reverse("portal:illustration", args=[code])).status_code == 404


def test_it_shows_a_new_picture_on_the_cached_portal_home(client, patient_user, plan):
    code = plan.current_version.items[0]["key"]
    client.force_login(patient_user)
    url = reverse("portal:illustration", args=[code])
    assert url not in client.get(reverse("portal:home")).content.decode()
    _illustrate(Exercise.objects.get(code=code))  # the library changed: the home is rebuilt
    assert url in client.get(reverse("portal:home")).content.decode()
