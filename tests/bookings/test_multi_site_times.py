"""The appointment page and its move form read and take times as the appointment's site's
wall clock, naming the zone when it is not the clinic's (issue 19's closing note, item 3).
New York's clocks go forward on 14 March 2027, London's on 28 March: between the two, New
York is 4 hours behind London instead of 5."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from bookings.models import Appointment
from clinic.sites import default_site
from tests.bookings.factories import AppointmentFactory, at
from tests.clinic.site_factories import hours_at, make_site

pytestmark = pytest.mark.django_db

UTC = dt.UTC
SATURDAY = 5


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(dt.datetime(2027, 3, 1, 8, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def new_york(db):
    return make_site("Apex New York", time_zone="America/New_York")


@pytest.fixture
def reception_browser(client, reception):
    client.force_login(reception)
    return client


@pytest.fixture
def ny_visit(patient, therapist, new_york):
    # 10:00 in New York on Saturday 20 March 2027 is 14:00 UTC.
    return AppointmentFactory(
        patient=patient,
        therapist=therapist,
        site=new_york,
        start=dt.datetime(2027, 3, 20, 14, 0, tzinfo=UTC),
    )


def page_text(response) -> str:
    return " ".join(response.content.decode().split())


def test_it_shows_a_new_york_appointment_in_new_york_time(reception_browser, ny_visit):
    response = reception_browser.get(reverse("bookings:detail", args=[ny_visit.public_id]))

    text = page_text(response)
    assert "Saturday 20 March 2027, 10:00\u201310:30" in text
    assert "(America/New_York time)" in text
    assert "at Apex New York" in text
    form = response.context["move_form"]
    assert form["time"].value() == dt.time(10, 0)
    assert "America/New_York time" in form.fields["time"].help_text


def test_it_names_no_zone_for_an_appointment_at_the_london_site(
    reception_browser, patient, therapist, new_york
):
    visit = AppointmentFactory(
        patient=patient, therapist=therapist, site=default_site(), start=at("2027-03-20", "10:00")
    )

    response = reception_browser.get(reverse("bookings:detail", args=[visit.public_id]))

    text = page_text(response)
    assert "Saturday 20 March 2027, 10:00\u201310:30" in text
    assert "time)" not in text


def test_reception_moves_it_by_new_yorks_clock(reception_browser, ny_visit, therapist, new_york):
    hours_at(new_york, therapist, weekdays=[SATURDAY])

    response = reception_browser.post(
        reverse("bookings:move", args=[ny_visit.public_id]),
        {"date": "2027-03-27", "time": "11:00", "therapist": therapist.public_id},
        follow=True,
    )

    ny_visit.refresh_from_db()
    assert ny_visit.start == dt.datetime(2027, 3, 27, 15, 0, tzinfo=UTC)
    assert ny_visit.site == new_york
    assert [str(m) for m in response.context["messages"]] == [
        "Moved to Sat 27 Mar at 11:00 (America/New_York time)."
    ]


def test_a_time_new_yorks_clocks_skip_gets_a_message_by_the_field(
    reception_browser, ny_visit, therapist
):
    # 02:30 on 14 March exists in London but not in New York.
    response = reception_browser.post(
        reverse("bookings:move", args=[ny_visit.public_id]),
        {
            "date": "2027-03-14",
            "time": "02:30",
            "therapist": therapist.public_id,
            "allow_outside_hours": "on",
        },
    )

    assert response.status_code == 400
    assert response.context["move_form"].errors["time"] == [
        "The clocks go forward then, so that time does not exist."
    ]
    assert Appointment.objects.get(pk=ny_visit.pk).start == dt.datetime(
        2027, 3, 20, 14, 0, tzinfo=UTC
    )


def test_the_patient_page_timeline_gives_a_new_york_visit_its_new_york_time(
    therapist_client, ny_visit
):
    response = therapist_client.get(reverse("patients:detail", args=[ny_visit.patient.public_id]))

    text = page_text(response)
    assert "at 10:00" in text
    assert "at 14:00" not in text
