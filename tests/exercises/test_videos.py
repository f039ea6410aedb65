"""The clinic uploads a demonstration video per exercise; bad files are refused and stored
nowhere; replacing a video keeps the old one on record; the library shows what lacks one."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from exercises import validators
from exercises.models import Exercise, ExerciseVideo
from tests.exercises.test_page_queries import SESSION_SAVE
from tests.exercises.video_files import VTT, give_video, mp4, png, upload, video_files, webm

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def exercise():
    return Exercise.objects.get(code="EX-N01")


def page_url(exercise: Exercise) -> str:
    return reverse("exercises:exercise_video", args=[exercise.public_id])


def stored_files(settings) -> list:
    root = settings.MEDIA_ROOT
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_it_uploads_a_video_with_its_poster_and_captions(therapist_client, therapist, exercise):
    clip = webm()
    files = video_files(video=clip, name="Slider.WEBM")
    response = therapist_client.post(page_url(exercise), files)

    assert response.status_code == 302
    video = ExerciseVideo.objects.get(exercise=exercise)
    assert (video.content_type, video.size, video.uploaded_by) == (
        "video/webm",
        len(clip),
        therapist,
    )
    assert video.replaced_at is None
    assert default_storage.open(video.video.name).read() == clip
    page = therapist_client.get(page_url(exercise)).content.decode()
    assert reverse("exercises:video_file", args=[video.public_id]) in page
    streamed = therapist_client.get(reverse("exercises:video_file", args=[video.public_id]))
    assert b"".join(streamed.streaming_content) == clip
    captions = therapist_client.get(reverse("exercises:video_captions", args=[video.public_id]))
    assert captions["Content-Type"] == "text/vtt; charset=utf-8"
    assert b"".join(captions.streaming_content) == VTT


def _refusals():
    """(field, file, words of the message shown next to the field)."""
    return [
        ("video", upload("move.mp4", png()), "not an MP4 or WebM video"),
        ("video", upload("move.mp4", b"plain text, not a film"), "not an MP4 or WebM video"),
        ("video", upload("move.mov", mp4()), "must end in .mp4 or .webm"),
        ("video", upload("move.webm", mp4()), "ends in .webm but the file is a MP4"),
        ("video", upload("move.mp4", mp4(brand=b"avif")), "not an MP4 or WebM video"),
        ("video", upload("move.webm", webm(doctype=b"matroska")), "not an MP4 or WebM video"),
        ("poster", upload("poster.png", b"<svg onload='x()'/>"), "PNG, JPEG or WebP"),
        ("captions", upload("captions.vtt", b"1\n00:00:00,000 --> 00:00:01,000\nHi\n"), "WEBVTT"),
        ("captions", upload("captions.vtt", b"WEBVTT\n\n00:00.000 --> soon\nHi\n"), "timing"),
        ("captions", upload("captions.vtt", b"WEBVTT\n"), "no captions"),
        ("captions", upload("captions.vtt", b"WEBVTT\n\n\xff\xfe"), "UTF-8"),
        ("captions", upload("captions.srt", VTT), ".vtt"),
    ]


@pytest.mark.parametrize(("field", "bad", "words"), _refusals())
def test_it_refuses_a_bad_file_next_to_its_field_and_stores_nothing(
    therapist_client, exercise, settings, field, bad, words
):
    response = therapist_client.post(page_url(exercise), {**video_files(), field: bad})

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert words in errors[field][0]
    assert words.replace("'", "&#x27;") in response.content.decode()
    assert not ExerciseVideo.objects.exists()
    assert stored_files(settings) == []


def test_it_refuses_a_video_over_the_size_limit(therapist_client, exercise, settings, monkeypatch):
    monkeypatch.setattr(validators, "MAX_VIDEO_BYTES", 1000)
    response = therapist_client.post(page_url(exercise), video_files(video=mp4(payload=2000)))
    assert "too large" in response.context["form"].errors["video"][0]
    assert not ExerciseVideo.objects.exists()
    assert stored_files(settings) == []


def test_it_needs_all_three_files_for_a_first_video(therapist_client, exercise):
    files = video_files()
    del files["captions"]
    response = therapist_client.post(page_url(exercise), files)
    assert "captions" in response.context["form"].errors
    assert not ExerciseVideo.objects.exists()


def test_it_keeps_the_current_video_when_a_replacement_is_refused(
    therapist_client, therapist, exercise, settings
):
    first = give_video(exercise, therapist)
    files_before = stored_files(settings)
    response = therapist_client.post(
        page_url(exercise), {**video_files(), "video": upload("new.mp4", png())}
    )
    assert response.status_code == 200
    assert list(ExerciseVideo.objects.all()) == [first]
    first.refresh_from_db()
    assert first.replaced_at is None
    assert stored_files(settings) == files_before


def test_it_keeps_the_old_video_and_its_files_when_replacing(therapist_client, therapist, exercise):
    old = give_video(exercise, therapist, video=mp4(payload=100))
    new_clip = webm(payload=300)
    response = therapist_client.post(
        page_url(exercise), video_files(video=new_clip, name="better.webm")
    )

    assert response.status_code == 302
    old.refresh_from_db()
    new = ExerciseVideo.objects.get(replaced_at__isnull=True)
    assert new != old
    assert old.replaced_at is not None
    assert default_storage.open(new.video.name).read() == new_clip
    assert default_storage.open(old.video.name).read() == mp4(payload=100)  # kept, not deleted
    page = therapist_client.get(page_url(exercise)).content.decode()
    assert "Every upload" in page
    assert "Replaced" in page
    old_file = therapist_client.get(reverse("exercises:video_file", args=[old.public_id]))
    assert b"".join(old_file.streaming_content) == mp4(payload=100)


def test_it_replaces_only_the_captions_and_keeps_the_video_file(
    therapist_client, therapist, exercise
):
    old = give_video(exercise, therapist)
    fixed = VTT.replace(b"Slowly", b"Gently")
    response = therapist_client.post(
        page_url(exercise), {"captions": upload("fixed.vtt", fixed), "video": "", "poster": ""}
    )

    assert response.status_code == 302
    new = ExerciseVideo.objects.get(replaced_at__isnull=True)
    assert (new.video.name, new.poster.name, new.size) == (
        old.video.name,
        old.poster.name,
        old.size,
    )
    assert default_storage.open(new.captions.name).read() == fixed
    assert default_storage.open(old.captions.name).read() == VTT


def test_it_asks_for_a_file_when_a_replacement_has_none(therapist_client, therapist, exercise):
    give_video(exercise, therapist)
    response = therapist_client.post(page_url(exercise), {})
    assert "Choose at least one file" in response.content.decode()
    assert ExerciseVideo.objects.count() == 1


def test_it_shows_which_exercises_still_lack_a_video(therapist_client, therapist, exercise):
    give_video(exercise, therapist)
    library = reverse("exercises:library")

    listed = therapist_client.get(library)
    rows = {e.code: e.has_video for e in listed.context["page"]}
    assert rows["EX-N01"] is True
    assert rows["EX-N02"] is False
    assert "No video yet" in listed.content.decode()
    missing = therapist_client.get(library, {"no_video": "on"})
    codes = [e.code for e in missing.context["page"]]
    assert "EX-N01" not in codes
    assert "EX-N02" in codes


def test_it_counts_a_replaced_video_as_no_video(therapist, exercise):
    from exercises.selectors import exercises_search

    video = give_video(exercise, therapist)
    ExerciseVideo.objects.filter(pk=video.pk).update(replaced_at=video.created_at)
    assert exercise in exercises_search(without_video=True)


def test_it_refuses_reception_and_patients(client, reception, patient_user, exercise):
    # staff without the role are refused; a patient is told nothing exists here
    for user, status in ((reception, 403), (patient_user, 404)):
        client.force_login(user)
        assert client.get(page_url(exercise)).status_code == status
        assert client.post(page_url(exercise), video_files()).status_code == status
    assert not ExerciseVideo.objects.exists()


@pytest.mark.parametrize("uploads", [1, 4])
def test_it_pins_the_queries_of_the_video_page(
    therapist_client, therapist, exercise, django_assert_num_queries, uploads
):
    for _ in range(uploads):
        give_video(exercise, therapist)
    # Queries: session, user, the exercise, its current video, every upload with its uploader.
    with django_assert_num_queries(5 + SESSION_SAVE):
        response = therapist_client.get(page_url(exercise))
    assert response.content.decode().count("video</a> · ") == uploads
