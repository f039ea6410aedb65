"""Room choices name their site once the clinic has more than one, and the booking form offers
only the chosen site's rooms (issue 19's closing note, item 4). Both sites have a "Room 1":
without the site in the label reception cannot tell them apart."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from bookings.models import Appointment, Room
from clinic.sites import default_site
from tests.bookings.factories import AppointmentFactory, at, follow_up
from tests.clinic.site_factories import make_site

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(at("2027-03-01", "08:00"), tick=False):
        yield


@pytest.fixture
def york(db):
    return make_site("Apex York")


@pytest.fixture
def rooms(york):
    return {
        "main": Room.objects.create(site=default_site(), name="Room 1"),
        "york": Room.objects.create(site=york, name="Room 1"),
    }


@pytest.fixture
def reception_browser(client, reception):
    client.force_login(reception)
    return client


def room_labels(form) -> list[str]:
    return [str(label) for value, label in form.fields["room"].choices if value]


def test_it_labels_each_room_with_its_site(reception_browser, rooms):
    page = reception_browser.get(reverse("bookings:create"))

    assert room_labels(page.context["form"]) == ["Room 1 · Apex Clinic", "Room 1 · Apex York"]
    assert "Room 1 · Apex York" in page.content.decode()


def test_it_offers_only_the_chosen_sites_rooms(reception_browser, rooms, york):
    page = reception_browser.get(reverse("bookings:create"), {"site": york.public_id})

    assert room_labels(page.context["form"]) == ["Room 1 · Apex York"]


def test_it_refuses_a_room_at_another_site_next_to_the_room(
    reception_browser, rooms, york, therapist, patient
):
    response = reception_browser.post(
        reverse("bookings:create"),
        {
            "patient": patient.public_id,
            "therapist": therapist.public_id,
            "appointment_type": follow_up().public_id,
            "date": "2027-03-10",
            "time": "10:00",
            "weeks": 1,
            "site": york.public_id,
            "room": rooms["main"].public_id,
            "allow_outside_hours": "on",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors["room"] == [
        "Room 1 is at Apex Clinic; choose a room at Apex York, or none."
    ]
    assert not Appointment.objects.exists()


def test_the_move_form_labels_rooms_with_their_site(
    reception_browser, rooms, york, therapist, patient
):
    visit = AppointmentFactory(
        patient=patient,
        therapist=therapist,
        site=york,
        room=rooms["york"],
        start=at("2027-03-10", "10:00"),
    )

    page = reception_browser.get(reverse("bookings:detail", args=[visit.public_id]))

    form = page.context["move_form"]
    assert room_labels(form) == ["Room 1 · Apex Clinic", "Room 1 · Apex York"]
    assert form["room"].value() == rooms["york"].public_id


def test_a_one_site_clinic_sees_plain_room_names(reception_browser):
    Room.objects.create(site=default_site(), name="Room 1")

    page = reception_browser.get(reverse("bookings:create"))

    assert room_labels(page.context["form"]) == ["Room 1"]
