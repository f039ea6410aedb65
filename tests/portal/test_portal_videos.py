"""Patients stream the demonstration videos of the exercises in their own current plan, with
byte ranges so a phone can seek, and captions; any other video is a 404."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from exercises.models import Exercise, ExercisePlan
from tests.conftest import make_user
from tests.exercises.factories import published_plan
from tests.exercises.video_files import VTT, give_video, mp4, png
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)
CLIP = mp4(payload=5000)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def plan(patient_user, therapist):
    with time_machine.travel(NOW, tick=False):
        return published_plan(
            therapist=therapist, patient=PatientFactory(user=patient_user), start_date=NOW.date()
        )


@pytest.fixture
def code(plan, therapist):
    """The first exercise of the patient's plan, with a video."""
    code = plan.current_version.items[0]["key"]
    give_video(Exercise.objects.get(code=code), therapist, video=CLIP)
    return code


def video_url(code: str) -> str:
    return reverse("portal:video", args=[code])


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_it_shows_a_captioned_player_for_an_exercise_with_a_video(patient_client, plan, code):
    second = plan.current_version.items[1]["key"]  # no video: no player
    home = patient_client.get(reverse("portal:home")).content.decode()

    players = re.findall(r"<video[^>]*>.*?</video>", home, flags=re.S)
    assert len(players) == 1
    player = players[0]
    assert re.search(r'<video[^>]* controls preload="none"', player)
    assert f'poster="{reverse("portal:video_poster", args=[code])}?v=' in player
    assert f'<source src="{video_url(code)}?v=' in player
    assert 'type="video/mp4"' in player
    track = re.search(r"<track [^>]*>", player).group(0)
    assert 'kind="captions"' in track
    assert 'srclang="en"' in track
    assert " default" in track
    assert f'src="{reverse("portal:video_captions", args=[code])}?v=' in track
    assert "cannot play this video" in player  # the text fallback
    assert video_url(second) not in home


def test_it_streams_the_whole_video_and_says_it_takes_ranges(patient_client, code):
    response = patient_client.get(video_url(code))
    assert response.status_code == 200
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Type"] == "video/mp4"
    assert response["Content-Length"] == str(len(CLIP))
    assert body(response) == CLIP


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=100-", 100, len(CLIP) - 1),
        ("bytes=-10", len(CLIP) - 10, len(CLIP) - 1),
        ("bytes=4990-999999", 4990, len(CLIP) - 1),
        ("bytes=0-0", 0, 0),
    ],
)
def test_it_answers_a_range_with_206_and_just_those_bytes(
    patient_client, code, header, first, last
):
    response = patient_client.get(video_url(code), headers={"Range": header})
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {first}-{last}/{len(CLIP)}"
    assert response["Content-Length"] == str(last - first + 1)
    assert response["Accept-Ranges"] == "bytes"
    assert body(response) == CLIP[first : last + 1]


@pytest.mark.parametrize(
    "header", [f"bytes={len(CLIP)}-", "bytes=9999999-", "bytes=500-100", "bytes=abc", "bytes=-0"]
)
def test_it_answers_416_to_a_range_outside_the_file(patient_client, code, header):
    response = patient_client.get(video_url(code), headers={"Range": header})
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(CLIP)}"


def test_it_serves_the_captions_as_webvtt_and_the_poster_as_a_picture(patient_client, code):
    captions = patient_client.get(reverse("portal:video_captions", args=[code]))
    assert captions.status_code == 200
    assert captions["Content-Type"] == "text/vtt; charset=utf-8"
    assert body(captions) == VTT
    poster = patient_client.get(reverse("portal:video_poster", args=[code]))
    assert poster["Content-Type"] == "image/png"
    assert body(poster) == png()


def test_it_serves_the_new_video_once_it_is_replaced(patient_client, therapist, code):
    newer = mp4(payload=777)
    give_video(Exercise.objects.get(code=code), therapist, video=newer)
    assert body(patient_client.get(video_url(code))) == newer


PARTS = ("portal:video", "portal:video_poster", "portal:video_captions")


@pytest.mark.parametrize("name", PARTS)
def test_it_hides_videos_of_exercises_outside_the_plan(patient_client, therapist, plan, code, name):
    in_plan = {item["key"] for item in plan.current_version.items}
    other = Exercise.objects.exclude(code__in=in_plan).first()
    give_video(other, therapist)
    assert patient_client.get(reverse(name, args=[other.code])).status_code == 404
    assert patient_client.get(reverse(name, args=["EX-NONE"])).status_code == 404


@pytest.mark.parametrize("name", PARTS)
def test_it_hides_another_patients_videos(client, therapist, code, name):
    # Bo's own plan has other exercises; Ada's exercise has a video.
    bo = make_user("bo@test.example", "patient")
    published_plan(therapist=therapist, patient=PatientFactory(user=bo), codes=("EX-L01",))
    client.force_login(bo)
    assert client.get(reverse(name, args=[code])).status_code == 404


def test_it_hides_the_video_once_the_plan_is_no_longer_active(patient_client, plan, code):
    ExercisePlan.objects.filter(pk=plan.pk).update(status=ExercisePlan.Status.COMPLETED)
    assert patient_client.get(video_url(code)).status_code == 404


def test_it_gives_a_plan_exercise_without_a_video_a_404(patient_client, plan, code):
    second = plan.current_version.items[1]["key"]
    assert patient_client.get(video_url(second)).status_code == 404


def test_it_keeps_staff_video_addresses_from_patients(patient_client, code):
    video = Exercise.objects.get(code=code).videos.get()
    for name in ("exercises:video_file", "exercises:video_poster", "exercises:video_captions"):
        assert patient_client.get(reverse(name, args=[video.public_id])).status_code in (403, 404)


def test_it_keeps_videos_from_signed_out_visitors(client, code):
    response = client.get(video_url(code))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_it_streams_a_range_in_a_fixed_number_of_queries(
    patient_client, code, django_assert_num_queries
):
    # Queries: session, user, patient, active plan with its version, the exercise, its video,
    # and the audit trail's insert of the patient's own view.
    with django_assert_num_queries(7):
        response = patient_client.get(video_url(code), headers={"Range": "bytes=10-20"})
    assert response.status_code == 206


def test_it_finds_the_plans_pictures_and_videos_in_one_query_whatever_their_number(
    patient_client, therapist, plan, code
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def home_queries() -> tuple[int, str]:
        with CaptureQueriesContext(connection) as counted:
            page = patient_client.get(reverse("portal:home")).content.decode()
        return len(counted), page

    with_one, page = home_queries()
    assert page.count("<video ") == 1
    for item in plan.current_version.items[1:]:
        give_video(Exercise.objects.get(code=item["key"]), therapist)
    with_all, page = home_queries()
    assert page.count("<video ") == len(plan.current_version.items)
    assert with_all == with_one


def test_the_plans_media_hold_only_the_exercises_with_a_picture_or_a_current_video(therapist, plan):
    """The home statement's `media` (`media_of_current_version`) skips the plan's exercises
    with neither a picture nor a current video (`plan_media` keeps nothing of them): none at
    all while the library has none, and a replaced video counts as none."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from exercises import portal_selectors
    from exercises.videos.selectors import plan_media

    def media() -> tuple[list, object]:
        found = portal_selectors.plan_active_with_day_logged(patient=plan.patient, day=NOW.date())
        return found.__dict__["media"], plan_media(plan=found)

    rows, _ = media()
    assert rows == []
    keys = [item["key"] for item in plan.current_version.items]
    give_video(Exercise.objects.get(code=keys[0]), therapist)
    pictured = Exercise.objects.get(code=keys[1])
    pictured.illustration = SimpleUploadedFile("move.png", png())
    pictured.save()
    replaced = Exercise.objects.get(code=keys[2])
    give_video(replaced, therapist)
    give_video(replaced, therapist)
    replaced.videos.update(replaced_at=NOW)  # every video of it replaced: none current
    Exercise.objects.exclude(code__in=keys).update(illustration="elsewhere.png")
    rows, found = media()
    assert sorted(row["code"] for row in rows) == sorted(keys[:2])
    assert found.illustrated == {keys[1]}
    assert set(found.videos) == {keys[0]}
