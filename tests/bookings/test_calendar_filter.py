"""The calendars' filter read and drawn without the form (bookings/calendar_filter.py): for every
query the form accepts it must choose what the form chooses and draw what the form draws, and
for anything the form would refuse it must step aside so the form can say what is wrong."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings import calendar_filter, selectors
from bookings.forms import CalendarFilterForm
from bookings.templatetags.grid_tags import calendar_field
from clinic.sites import sites_active
from tests.clinic.site_factories import make_site

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 3, 24)


def both(query: str):
    """The quick filter (None if it steps aside) and the form, for the query string `query`."""
    data = QueryDict(query)
    sites, therapists = sites_active(), selectors.therapists_shown()  # as the views read them
    raw, valid = data.get("date"), True
    if raw:
        try:
            CalendarFilterForm.base_fields["date"].clean(raw)
        except ValidationError:
            valid = False
    quick = calendar_filter.calendar_filter(
        data, day=DAY, date_valid=valid, sites=sites, therapists=therapists
    )
    form = CalendarFilterForm(data or None, initial={"date": DAY})
    if form.is_bound:
        form.is_valid()
    return quick, form


def drawn_by_the_form(form) -> dict[str, str]:
    return {name: str(calendar_field(form[name])) for name in form.fields}


def valid_queries(therapist, sites) -> list[str]:
    site = f"&site={sites[-1].public_id}" if len(sites) > 1 else ""
    return [
        "",
        "date=2026-03-24",
        "date=",
        "therapist=",
        f"therapist={therapist.public_id}",
        f"date=2026-03-01&therapist={therapist.public_id}{site}",
        f"site={sites[0].public_id}&date=2026-12-31",
        "site=",
        "date=2026-03-24&date=2026-04-02",  # the last one counts, as for the form
        "unrelated=1",
    ]


@pytest.mark.parametrize("several_sites", [False, True], ids=["one site", "several sites"])
def test_it_chooses_and_draws_what_the_form_does_for_every_valid_query(
    therapist, other_therapist, several_sites
):
    other_therapist.last_name = "O'Neill <b>\"&"  # escaped in the picker as the form escapes it
    other_therapist.save()
    if several_sites:
        make_site('North & "Hills" <Leeds>', time_zone="America/New_York")
    sites = sites_active()
    for query in valid_queries(therapist, sites):
        quick, form = both(query)
        assert quick is not None, query
        assert quick.form.drawn == drawn_by_the_form(form), query
        assert ("site" in quick.form.fields) == ("site" in form.fields) == several_sites
        if form.is_bound:
            assert quick.therapist == form.cleaned_data.get("therapist"), query
            assert quick.site == form.cleaned_data.get("site"), query
        else:
            assert (quick.therapist, quick.site) == (None, None)


def test_it_leaves_a_value_the_form_refuses_to_the_form(therapist):
    make_site("North")
    for query in [
        "date=2026-02-30",
        "date=yesterday",
        "therapist=00000000-0000-0000-0000-000000000000",
        "therapist=not-a-uuid",
        f"therapist={str(therapist.public_id).upper()}",  # not as the picker writes it
        "site=nowhere",
    ]:
        quick, _ = both(query)
        assert quick is None, query


def test_a_refused_value_is_shown_next_to_its_field_with_the_others_kept(
    reception_client, therapist
):
    response = reception_client.get(
        reverse("bookings:week"), {"date": "2026-02-30", "therapist": therapist.public_id}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'aria-describedby="id_date_error"' in page
    assert f'<option value="{therapist.public_id}" selected>' in page


def test_a_refused_date_costs_one_query_more_than_a_good_one(reception_client, therapist):
    # The form, when it is needed, takes the sites and therapists already read; a good page
    # reads both lists in one statement, a refused date reads the sites and the therapists as
    # the `User`s the form takes (two).
    make_site("North")
    url = reverse("bookings:week")
    reception_client.get(url)
    counts = []
    for date in ("2026-03-24", "2026-02-30"):
        with CaptureQueriesContext(connection) as captured:
            reception_client.get(url, {"date": date, "therapist": therapist.public_id})
        counts.append(len(captured))
    assert counts[0] + (1 if connection.vendor == "postgresql" else 0) == counts[1]


def test_it_reads_the_therapists_as_plain_values_that_say_what_each_user_says(
    therapist, other_therapist
):
    other_therapist.first_name = other_therapist.last_name = ""  # shown by their email
    other_therapist.save()
    shown, listed = selectors.therapists_shown(), selectors.therapists_listed()
    assert [person.pk for person in shown] == [user.pk for user in listed]
    for person, user in zip(shown, listed, strict=True):
        assert person == user
        assert user == person
        assert person.public_id == str(user.public_id)  # the text the picker and links write
        assert (person.first_name, person.get_full_name()) == (
            user.first_name,
            user.get_full_name(),
        )
        assert str(person) == str(user)
    assert str(shown[[p.pk for p in shown].index(other_therapist.pk)]) == other_therapist.email


def test_the_sites_and_therapists_read_as_one_give_what_the_two_reads_give(
    therapist, other_therapist, manager, django_assert_num_queries
):
    from bookings.models import WorkingHours
    from clinic.sites import Site

    make_site("North")
    closed = make_site("Closed")
    Site.objects.filter(pk=closed.pk).update(is_active=False)
    make_site("Annex")
    other_therapist.first_name = other_therapist.last_name = ""  # shown by their email
    other_therapist.save()
    # A manager counts as a therapist only with working hours.
    hours = {"site": sites_active()[0], "weekday": 0}
    for attempt in range(2):
        with django_assert_num_queries(1 if connection.vendor == "postgresql" else 2):
            sites, therapists = calendar_filter.sites_and_therapists()
        assert [site.pk for site in sites] == [site.pk for site in sites_active()]
        assert [vars(site) | {"_state": None} for site in sites] == [
            vars(site) | {"_state": None} for site in sites_active()
        ]
        shown = selectors.therapists_shown()
        assert [(p.pk, p.public_id, p.first_name, p.last_name, p.email) for p in therapists] == [
            (p.pk, p.public_id, p.first_name, p.last_name, p.email) for p in shown
        ]
        assert (manager.pk in [p.pk for p in therapists]) == bool(attempt)
        if not attempt:
            WorkingHours.objects.create(
                therapist=manager, start_time=dt.time(9), end_time=dt.time(12), **hours
            )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plans")
def test_the_sites_and_therapists_statement_can_use_the_therapists_index_in_a_kept_plan(
    therapist,
):
    # The therapist role is written into the statement (no values passed): a plan the server
    # keeps for a role passed as a value cannot use the partial index of the active therapists
    # (`clinic_user_therapists`, WHERE role = 'therapist' AND is_active), and would scan every
    # user (or be planned again on every run).
    statement, arguments, _ = calendar_filter._sites_and_therapists(connection.alias)
    assert arguments == []
    assert statement.slots == ()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"PREPARE therapists_plan AS {statement.sql.replace('%%', '%')}")
        try:
            cursor.execute("EXPLAIN EXECUTE therapists_plan")
            plan = "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("DEALLOCATE therapists_plan")
    assert "clinic_user_therapists" in plan, plan
