"""The exercise library: seeded by migration, browsed, filtered, searched, added and edited."""

import json
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from exercises.models import Exercise

pytestmark = pytest.mark.django_db
LIBRARY_URL = reverse("exercises:library")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def codes_in(response):
    return [exercise.code for exercise in response.context["page"]]


def test_it_has_all_31_starter_exercises_after_migrate():
    expected = [f"EX-N{n:02d}" for n in range(1, 11)]
    expected += [f"EX-L{n:02d}" for n in range(1, 13)]
    expected += [f"EX-A{n:02d}" for n in range(1, 9)]
    expected += ["EX-G01"]
    assert sorted(Exercise.objects.values_list("code", flat=True)) == sorted(expected)
    assert not Exercise.objects.filter(instructions=[]).exists()
    slider = Exercise.objects.get(code="EX-N01")
    assert slider.tags == ["neural"]
    assert slider.kind == "slider"
    assert Exercise.objects.get(code="EX-L01").directional_preference == "extension"


def test_it_loads_the_library_idempotently_without_overwriting_edits():
    from importlib import import_module

    migration = import_module("exercises.migrations.0002_load_library")
    Exercise.objects.filter(code="EX-G01").update(name="Easy cycling (edited)")
    migration.load_library(apps, None)
    assert Exercise.objects.count() == 31
    assert Exercise.objects.get(code="EX-G01").name == "Easy cycling (edited)"


def test_it_filters_by_tag_and_phase(therapist_client):
    response = therapist_client.get(LIBRARY_URL, {"tag": "acute_strain", "phase": "early"})
    assert codes_in(response) == ["EX-A01", "EX-A02", "EX-A03"]
    response = therapist_client.get(LIBRARY_URL, {"tag": "general"})
    assert "EX-G01" in codes_in(response)
    assert "EX-N01" not in codes_in(response)


def test_it_matches_whole_tags_only(therapist_client):
    # "neural" must not match an exercise merely because another tag contains the letters.
    Exercise.objects.create(code="EX-X01", name="X", slug="x", tags=["neuralgia"], phases=["mid"])
    assert "EX-X01" not in codes_in(therapist_client.get(LIBRARY_URL, {"tag": "neural"}))


def test_it_searches_by_name_and_code(therapist_client):
    assert codes_in(therapist_client.get(LIBRARY_URL, {"q": "cycling"})) == ["EX-G01"]
    assert codes_in(therapist_client.get(LIBRARY_URL, {"q": "ex-l1"})) == [
        "EX-L10",
        "EX-L11",
        "EX-L12",
    ]


def test_it_paginates_25_to_a_page(therapist_client):
    first = therapist_client.get(LIBRARY_URL)
    second = therapist_client.get(LIBRARY_URL, {"page": 2})
    assert len(codes_in(first)) == 25
    assert len(codes_in(second)) == 6
    assert "Page 1 of 2" in first.content.decode()


def test_it_hides_archived_exercises_unless_asked(therapist_client):
    Exercise.objects.filter(code="EX-G01").update(archived_at="2026-01-01T00:00Z")
    assert codes_in(therapist_client.get(LIBRARY_URL, {"q": "cycling"})) == []
    shown = therapist_client.get(LIBRARY_URL, {"q": "cycling", "archived": "on"})
    assert codes_in(shown) == ["EX-G01"]


@pytest.mark.parametrize("params", [{"q": "cycling"}, {}], ids=["one row", "a full page"])
def test_it_lists_the_library_in_a_fixed_number_of_queries(
    therapist_client, django_assert_num_queries, params
):
    # Queries: session, user, count, one page of exercises; then the staff idle-timeout
    # session save (savepoint, update, release).
    with django_assert_num_queries(7):
        response = therapist_client.get(LIBRARY_URL, params)
    assert response.status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        LIBRARY_URL,
        reverse("exercises:exercise_create"),
        "detail",
        "edit",
    ],
)
def test_it_keeps_the_library_to_clinical_roles(client, reception, patient_user, therapist, url):
    exercise = Exercise.objects.get(code="EX-N01")
    if url in ("detail", "edit"):
        name = "exercise_detail" if url == "detail" else "exercise_edit"
        url = reverse(f"exercises:{name}", args=[exercise.public_id])
    assert client.get(url).status_code == 302
    for user, refused in ((reception, 403), (patient_user, 404)):
        client.force_login(user)
        assert client.get(url).status_code == refused
    client.force_login(therapist)
    assert client.get(url).status_code == 200


def form_data(**overrides):
    data = {
        "code": "EX-N11",
        "name": "Standing nerve glide",
        "tags": ["neural"],
        "phases": ["mid"],
        "directional_preference": "",
        "kind": "slider",
        "sets": "2",
        "reps": "10",
        "days_per_week": "7",
        "instructions": "Stand tall.\n\nSwing the leg gently.",
        "stop_rules": "Stop if tingling lasts.",
    }
    data.update(overrides)
    return data


def test_it_adds_an_exercise(therapist_client):
    response = therapist_client.post(reverse("exercises:exercise_create"), form_data())
    exercise = Exercise.objects.get(code="EX-N11")
    assert response.url == reverse("exercises:exercise_detail", args=[exercise.public_id])
    assert exercise.slug == "standing-nerve-glide"
    assert exercise.instructions == ["Stand tall.", "Swing the leg gently."]
    assert exercise.tags == ["neural"]


def test_it_explains_a_duplicate_code_and_bad_days(therapist_client):
    response = therapist_client.post(
        reverse("exercises:exercise_create"), form_data(code="EX-N01", days_per_week="8")
    )
    assert response.status_code == 200
    assert "code already exists" in response.content.decode().lower()
    assert "between 1 and 7" in response.content.decode()
    assert Exercise.objects.count() == 31


def test_it_edits_an_exercise_keeping_its_slug(therapist_client):
    exercise = Exercise.objects.get(code="EX-G01")
    slug = exercise.slug
    url = reverse("exercises:exercise_edit", args=[exercise.public_id])
    therapist_client.post(url, form_data(code="EX-G01", name="Easy bike", tags=["general"]))
    exercise.refresh_from_db()
    assert (exercise.name, exercise.slug) == ("Easy bike", slug)
    assert exercise.history.first().history_user.email == "therapist@test.example"


def test_it_archives_and_restores_instead_of_deleting(therapist_client):
    exercise = Exercise.objects.get(code="EX-G01")
    url = reverse("exercises:exercise_archive", args=[exercise.public_id])
    assert therapist_client.get(url).status_code == 405
    therapist_client.post(url)
    exercise.refresh_from_db()
    assert exercise.is_archived
    therapist_client.post(url, {"action": "restore"})
    exercise.refresh_from_db()
    assert not exercise.is_archived


def test_it_accepts_a_small_png_and_serves_it_to_therapists(therapist_client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload = SimpleUploadedFile("bike.png", PNG, content_type="image/png")
    therapist_client.post(
        reverse("exercises:exercise_create"), {**form_data(), "illustration": upload}
    )
    exercise = Exercise.objects.get(code="EX-N11")
    response = therapist_client.get(
        reverse("exercises:exercise_illustration", args=[exercise.public_id])
    )
    assert response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content) == PNG


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("evil.svg", b"<svg onload='alert(1)'></svg>", "PNG, JPEG or WebP"),
        ("big.png", PNG + b"\x00" * (1024 * 1024), "under 1 MB"),
    ],
)
def test_it_refuses_unsafe_or_large_illustrations(
    therapist_client, settings, tmp_path, name, content, message
):
    settings.MEDIA_ROOT = tmp_path
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = None
    upload = SimpleUploadedFile(name, content, content_type="image/png")
    response = therapist_client.post(
        reverse("exercises:exercise_create"), {**form_data(), "illustration": upload}
    )
    assert message in response.content.decode()
    assert not Exercise.objects.filter(code="EX-N11").exists()


def test_it_matches_the_shipped_library_file():
    entries = json.loads(
        (Path(__file__).resolve().parents[2] / "exercises" / "library.json").read_text()
    )
    assert len(entries) == 31
    assert {entry["code"] for entry in entries} == set(
        Exercise.objects.values_list("code", flat=True)
    )
