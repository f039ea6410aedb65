"""Extra hours belong to a site (issue 19's closing note, item 2): reception adds them at the
site chosen (by default where the therapist usually works), the schedule shows where, and
they make free slots at that site only. The second site is in New York, whose clocks go
forward two weeks before London's: on Saturday 20 March 2027 New York is 4 hours behind
London, not 5."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from bookings import schedule_services, selectors
from bookings.models import ScheduleException
from clinic.sites import default_site
from tests.bookings.factories import follow_up
from tests.clinic.site_factories import hours_at, make_site

pytestmark = pytest.mark.django_db

SATURDAY = dt.date(2027, 3, 20)
UTC = dt.UTC


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


def extra_hours_form(site=None, **extra) -> dict:
    form = {
        "kind": ScheduleException.Kind.EXTRA,
        "start_date": "2027-03-20",
        "start_time": "10:00",
        "end_date": "2027-03-20",
        "end_time": "12:00",
        **extra,
    }
    if site is not None:
        form["site"] = site.public_id
    return form


def saturday_starts(therapist, site):
    slots = selectors.free_slots(appointment_type=follow_up(), therapist=therapist, site=site)
    return [slot.start for slot in slots if slot.start.astimezone(site.zone).date() == SATURDAY]


def test_reception_adds_extra_hours_in_new_york_and_they_open_slots_there_only(
    reception_browser, therapist, new_york
):
    hours_at(default_site(), therapist, weekdays=range(5))  # London, Monday to Friday

    response = reception_browser.post(
        reverse("bookings:exception_add", args=[therapist.public_id]), extra_hours_form(new_york)
    )

    assert response.status_code == 302
    (extra,) = ScheduleException.objects.all()
    assert extra.site == new_york
    # Typed as New York's wall clock: 10:00 there is 14:00 UTC that day.
    assert extra.start == dt.datetime(2027, 3, 20, 14, 0, tzinfo=UTC)
    ny_starts = saturday_starts(therapist, new_york)
    assert ny_starts[0] == dt.datetime(2027, 3, 20, 14, 0, tzinfo=UTC)
    assert ny_starts[-1] == dt.datetime(2027, 3, 20, 15, 30, tzinfo=UTC)
    assert saturday_starts(therapist, default_site()) == []


def test_the_schedule_shows_where_the_extra_hours_are_in_that_sites_time(
    reception_browser, therapist, new_york
):
    hours_at(default_site(), therapist, weekdays=range(5))
    schedule_services.schedule_exception_add(
        therapist=therapist,
        kind=ScheduleException.Kind.EXTRA,
        start=dt.datetime(2027, 3, 20, 14, 0, tzinfo=UTC),
        end=dt.datetime(2027, 3, 20, 16, 0, tzinfo=UTC),
        site=new_york,
    )

    page = reception_browser.get(reverse("bookings:schedule"), {"therapist": therapist.public_id})

    text = " ".join(page.content.decode().split())
    assert (
        "Extra working hours</strong> at Apex New York Sat 20 Mar 10:00 \u2013 Sat 20 Mar 12:00 "
        "(America/New_York time)" in text
    )


def test_extra_hours_default_to_where_the_therapist_usually_works(therapist, new_york):
    hours_at(new_york, therapist, weekdays=range(5))

    extra, _ = schedule_services.schedule_exception_add(
        therapist=therapist,
        kind=ScheduleException.Kind.EXTRA,
        start=dt.datetime(2027, 3, 20, 14, 0, tzinfo=UTC),
        end=dt.datetime(2027, 3, 20, 16, 0, tzinfo=UTC),
    )

    assert extra.site == new_york
    assert saturday_starts(therapist, new_york)[0] == dt.datetime(2027, 3, 20, 14, 0, tzinfo=UTC)


def test_the_schedule_form_offers_the_therapists_usual_site_first(
    reception_browser, therapist, new_york
):
    hours_at(new_york, therapist, weekdays=range(5))

    page = reception_browser.get(reverse("bookings:schedule"), {"therapist": therapist.public_id})

    assert page.context["exception_form"]["site"].value() == str(new_york.public_id)


def test_leave_closes_every_site_and_names_none(therapist, new_york):
    hours_at(new_york, therapist, weekdays=[5])  # Saturdays in New York

    leave, _ = schedule_services.schedule_exception_add(
        therapist=therapist,
        kind=ScheduleException.Kind.LEAVE,
        start=dt.datetime(2027, 3, 20, 0, 0, tzinfo=UTC),
        end=dt.datetime(2027, 3, 21, 12, 0, tzinfo=UTC),
        site=new_york,
    )

    assert leave.site is None
    assert saturday_starts(therapist, new_york) == []


def test_an_unknown_site_gets_a_message_not_an_error_page(reception_browser, therapist, new_york):
    response = reception_browser.post(
        reverse("bookings:exception_add", args=[therapist.public_id]),
        {**extra_hours_form(), "site": "not-a-site"},
        follow=True,
    )

    assert response.status_code == 200
    assert not ScheduleException.objects.exists()
    assert any("Site (for extra hours)" in str(m) for m in response.context["messages"])
