"""A weekly series at a second site skips that site's public holidays, not the default
site's (issue 19's closing note, item 1). The main site is in London (GB-ENG holidays); the
second is in Dublin (Irish holidays: St Patrick's Day, Wednesday 17 March 2027, is not an
English one)."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from bookings import services
from bookings.models import Appointment
from clinic.sites import default_site
from tests.bookings.factories import at, follow_up
from tests.clinic.site_factories import hours_at, make_site

pytestmark = pytest.mark.django_db

WEDNESDAY = 2


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(at("2027-03-01", "08:00"), tick=False):
        yield


@pytest.fixture
def dublin(db):
    return make_site("Apex Dublin", time_zone="Europe/Dublin", holiday_region="IE")


@pytest.fixture
def reception_browser(client, reception):
    client.force_login(reception)
    return client


def series_form(patient, therapist, site=None, weeks=3, **extra) -> dict:
    form = {
        "patient": patient.public_id,
        "therapist": therapist.public_id,
        "appointment_type": follow_up().public_id,
        "date": "2027-03-10",
        "time": "10:00",
        "weeks": weeks,
        **extra,
    }
    if site is not None:
        form["site"] = site.public_id
    return form


def test_it_skips_the_dublin_sites_holiday_and_says_so_before_and_after(
    reception_browser, therapist, patient, dublin
):
    hours_at(dublin, therapist, weekdays=[WEDNESDAY])
    form = series_form(patient, therapist, dublin)

    before = reception_browser.post(reverse("bookings:create"), form)

    page = before.content.decode()
    assert "Nothing is booked yet" in page
    assert "Wed 17 Mar 2027 (public holiday: Saint Patrick&#x27;s Day)" in page
    assert not Appointment.objects.filter(patient=patient).exists()

    agreed = before.context["form"]["skip_holidays"].value()
    after = reception_browser.post(
        reverse("bookings:create"), {**form, "skip_holidays": agreed}, follow=True
    )

    booked = Appointment.objects.filter(patient=patient).order_by("start")
    assert [item.start for item in booked] == [at("2027-03-10", "10:00"), at("2027-03-24", "10:00")]
    assert {item.site_id for item in booked} == {dublin.pk}
    assert [str(message) for message in after.context["messages"]][-1] == (
        "Skipped, the clinic is closed: Wed 17 Mar 2027 (public holiday: Saint Patrick's Day)."
    )


def test_it_skips_the_holiday_of_the_site_the_therapist_works_at_when_none_is_chosen(
    therapist, patient, dublin
):
    hours_at(dublin, therapist, weekdays=[WEDNESDAY])

    booked = services.appointment_series_book(
        patient=patient,
        therapist=therapist,
        appointment_type=follow_up(),
        start=at("2027-03-10", "10:00"),
        weeks=3,
        by=None,
    )

    assert [item.start for item in booked] == [at("2027-03-10", "10:00"), at("2027-03-24", "10:00")]


def test_it_books_the_london_series_on_st_patricks_day(therapist, patient, dublin):
    hours_at(default_site(), therapist, weekdays=[WEDNESDAY])

    booked = services.appointment_series_book(
        patient=patient,
        therapist=therapist,
        appointment_type=follow_up(),
        start=at("2027-03-10", "10:00"),
        weeks=3,
        by=None,
    )

    assert len(booked) == 3
    assert at("2027-03-17", "10:00") in [item.start for item in booked]


def test_it_names_the_dublin_holiday_when_refusing_a_single_booking_then(
    therapist, patient, dublin
):
    hours_at(dublin, therapist, weekdays=[WEDNESDAY])

    with pytest.raises(services.BookingConflictError) as refused:
        services.appointment_book(
            patient=patient,
            therapist=therapist,
            appointment_type=follow_up(),
            start=at("2027-03-17", "10:00"),
            by=None,
        )

    assert refused.value.messages[0].startswith(
        "Wed 17 Mar is a public holiday (Saint Patrick's Day): the clinic is closed."
    )


def test_the_appointment_page_lists_the_dublin_holiday_the_series_left_out(
    reception_browser, therapist, patient, dublin
):
    hours_at(dublin, therapist, weekdays=[WEDNESDAY])
    booked = services.appointment_series_book(
        patient=patient,
        therapist=therapist,
        appointment_type=follow_up(),
        start=at("2027-03-10", "10:00"),
        weeks=3,
        by=None,
    )

    page = reception_browser.get(reverse("bookings:detail", args=[booked[0].public_id]))

    assert "Wed 17 Mar 2027 (public holiday: Saint Patrick&#x27;s Day)" in page.content.decode()
