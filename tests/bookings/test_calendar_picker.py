"""The calendars' therapist picker: its drawn markup is kept per process under its options and
the choice made (bookings/templatetags/grid_tags.py), so it must follow both on the next view."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _picker(response) -> str:
    return re.search(r'<select name="therapist".*?</select>', response.content.decode(), re.S)[0]


def test_it_marks_the_therapist_chosen(reception_client, therapist, other_therapist):
    for chosen in (therapist, other_therapist, therapist):
        response = reception_client.get(reverse("bookings:week"), {"therapist": chosen.public_id})
        picker = _picker(response)
        assert f'<option value="{chosen.public_id}" selected>' in picker
        assert picker.count(" selected>") == 1


def _label(picker: str, user) -> str:
    return re.search(rf'<option value="{user.public_id}"[^>]*>(.*?)</option>', picker)[1]


def test_it_shows_a_renamed_therapist_on_the_next_view(reception_client, therapist):
    url = reverse("bookings:week")
    before = _label(
        _picker(reception_client.get(url, {"therapist": therapist.public_id})), therapist
    )
    assert "Tess" in before
    therapist.first_name = "Teresa"
    therapist.save()
    after = _label(
        _picker(reception_client.get(url, {"therapist": therapist.public_id})), therapist
    )
    assert after == before.replace("Tess", "Teresa")


def test_it_shows_an_unknown_therapist_as_an_error_beside_the_picker(reception_client):
    response = reception_client.get(reverse("bookings:week"), {"therapist": "not-a-therapist"})
    assert response.status_code == 200
    picker = _picker(response)
    assert "is-invalid" in picker
    assert 'id="id_therapist_error"' in response.content.decode()
