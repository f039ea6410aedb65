"""Working time as the calendars read it: plain values whose sites are found among the sites
the filter read already (bookings/working_time.py), giving what reading model instances with
their sites gives, including hours at a site no longer open for booking."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from bookings import selectors
from bookings.models import ScheduleException, WorkingHours
from clinic.models import User
from clinic.sites import Site, default_site, sites_active
from tests.bookings.factories import ScheduleExceptionFactory
from tests.clinic.site_factories import hours_at, make_site

pytestmark = pytest.mark.django_db

UTC = dt.UTC


@pytest.fixture
def closed_site(db) -> Site:
    """A site that no longer takes bookings, where a therapist still has hours on Wednesdays."""
    site = make_site("Old Town")
    Site.objects.filter(pk=site.pk).update(is_active=False)
    site.refresh_from_db()
    return site


def _schedule(therapist, other_therapist, closed_site):
    north = make_site("North", time_zone="Europe/Berlin")
    hours_at(default_site(), therapist, weekdays=[0, 1])
    hours_at(north, therapist, weekdays=[3], start="08:00", end="12:00")
    hours_at(closed_site, therapist, weekdays=[2])
    hours_at(north, other_therapist, weekdays=[0])
    ScheduleExceptionFactory(  # extra hours on a Saturday at North
        therapist=therapist,
        kind=ScheduleException.Kind.EXTRA,
        site=north,
        start=dt.datetime(2026, 3, 28, 9, tzinfo=UTC),
        end=dt.datetime(2026, 3, 28, 11, tzinfo=UTC),
    )
    ScheduleExceptionFactory(  # leave on Tuesday afternoon closes every site
        therapist=therapist,
        start=dt.datetime(2026, 3, 24, 13, tzinfo=UTC),
        end=dt.datetime(2026, 3, 24, 17, tzinfo=UTC),
    )
    return north


def test_values_and_the_sites_read_give_what_instances_give(
    therapist, other_therapist, closed_site
):
    north = _schedule(therapist, other_therapist, closed_site)
    asked = {
        "therapist_ids": [therapist.pk, other_therapist.pk],
        "first": dt.date(2026, 3, 23),
        "last": dt.date(2026, 3, 29),
    }
    as_instances = selectors.working_intervals_by_site(**asked)
    as_values = selectors.working_intervals_by_site(**asked, sites=sites_active())
    assert as_values == as_instances
    # Each site's own hours, with the closed site's kept, the extra hours at North and the
    # leave cut out of Tuesday.
    mine = as_values[therapist.pk]
    assert set(mine) == {default_site(), north, closed_site}
    assert mine[closed_site] == [
        (dt.datetime(2026, 3, 25, 9, tzinfo=UTC), dt.datetime(2026, 3, 25, 17, tzinfo=UTC))
    ]
    assert (
        dt.datetime(2026, 3, 28, 9, tzinfo=UTC),
        dt.datetime(2026, 3, 28, 11, tzinfo=UTC),
    ) in mine[north]
    assert (
        dt.datetime(2026, 3, 24, 9, tzinfo=UTC),
        dt.datetime(2026, 3, 24, 13, tzinfo=UTC),
    ) in mine[default_site()]


def test_a_site_among_those_read_costs_no_query_of_its_own(
    therapist, other_therapist, closed_site, django_assert_num_queries
):
    hours_at(default_site(), therapist, weekdays=[0, 1])
    sites = sites_active()
    # hours and exceptions in one statement (two on SQLite, the demo's database), no site
    together = 1 if connection.vendor == "postgresql" else 2
    with django_assert_num_queries(together):
        selectors.working_intervals_by_site(
            therapist_ids=[therapist.pk],
            first=dt.date(2026, 3, 23),
            last=dt.date(2026, 3, 29),
            sites=sites,
        )
    hours_at(closed_site, therapist, weekdays=[2])
    with django_assert_num_queries(together + 1):  # and the closed site, not in the list
        found = selectors.working_intervals_by_site(
            therapist_ids=[therapist.pk],
            first=dt.date(2026, 3, 23),
            last=dt.date(2026, 3, 29),
            sites=sites,
        )
    assert closed_site in found[therapist.pk]


@time_machine.travel(dt.datetime(2026, 3, 20, 8, tzinfo=UTC), tick=False)
def test_the_week_shows_hours_at_a_site_closed_for_booking(
    reception_client, therapist, other_therapist, closed_site
):
    _schedule(therapist, other_therapist, closed_site)
    url = reverse("bookings:week")
    page = reception_client.get(url, {"date": "2026-03-25", "therapist": therapist.public_id})
    assert page.status_code == 200
    text = page.content.decode()
    # Wednesday's hours are only at the closed site: its rows are free to book.
    assert "Free, Wednesday 25 March 09:00" in text
    assert "Free, Wednesday 25 March 16:45" in text
    assert "Free, Wednesday 25 March 17:00" not in text


@time_machine.travel(dt.datetime(2026, 3, 20, 8, tzinfo=UTC), tick=False)
def test_the_week_shows_changed_hours_leave_and_names_on_its_next_view(reception_client, therapist):
    """A therapist's working time and free cells are kept per process under everything they
    are drawn from (`working_time._site_time`, `grid._free_cells`): the rows as read, the
    site's zone and holidays, the name. A change of any shows on the very next view."""
    hours_at(default_site(), therapist, weekdays=[2])
    url = reverse("bookings:week")
    asked = {"date": "2026-03-25", "therapist": therapist.public_id}

    def shown() -> str:
        page = reception_client.get(url, asked)
        assert page.status_code == 200
        return page.content.decode()

    assert "Free, Wednesday 25 March 16:45 with Tess" in shown()
    WorkingHours.objects.filter(therapist=therapist).update(end_time=dt.time(12))
    text = shown()
    assert "Free, Wednesday 25 March 11:45" in text
    assert "Free, Wednesday 25 March 12:00" not in text
    ScheduleExceptionFactory(  # leave from 10:00 to 11:00 (London is on GMT until the 29th)
        therapist=therapist,
        start=dt.datetime(2026, 3, 25, 10, tzinfo=UTC),
        end=dt.datetime(2026, 3, 25, 11, tzinfo=UTC),
    )
    text = shown()
    assert "Free, Wednesday 25 March 09:45" in text
    assert "Free, Wednesday 25 March 10:00" not in text
    assert "Free, Wednesday 25 March 11:00" in text
    ScheduleExceptionFactory(  # extra hours on the Saturday
        therapist=therapist,
        kind=ScheduleException.Kind.EXTRA,
        start=dt.datetime(2026, 3, 28, 9, tzinfo=UTC),
        end=dt.datetime(2026, 3, 28, 10, tzinfo=UTC),
    )
    assert "Free, Saturday 28 March 09:45" in shown()
    User.objects.filter(pk=therapist.pk).update(first_name="Tamsin")
    text = shown()
    assert "Free, Wednesday 25 March 09:45 with Tamsin" in text
    assert "with Tess" not in text
    # A site's own zone: Thursday's hours at North, 08:00 on Berlin's clock (07:00 in London),
    # then North moved to London's clock.
    north = make_site("North", time_zone="Europe/Berlin")
    hours_at(north, therapist, weekdays=[3], start="08:00", end="12:00")
    text = shown()
    assert "Free, Thursday 26 March 07:00" in text
    assert "Free, Thursday 26 March 11:00" not in text
    Site.objects.filter(pk=north.pk).update(time_zone="Europe/London")
    text = shown()
    assert "Free, Thursday 26 March 07:45" not in text
    assert "Free, Thursday 26 March 11:45" in text
