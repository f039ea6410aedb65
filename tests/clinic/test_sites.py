"""Several sites (issue 19): one therapist is never at two sites at once, each site keeps its
own clock and holidays, bookings land at the right site, and staff pages filter by site."""

from __future__ import annotations

import datetime as dt
import html

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.urls import reverse

from bookings import selectors, services
from bookings.models import Appointment, WorkingHours
from clinic.sites import Site, SiteOpeningHours, default_site
from tests.bookings.factories import AppointmentFactory, RoomFactory, at, follow_up, give_hours
from tests.clinic.site_factories import hours_at, make_site
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

MONDAY = "2026-03-23"  # the clocks change on Sunday 29 March 2026 across the EU and the UK
TUESDAY = "2026-03-24"
UTC = dt.UTC


@pytest.fixture
def north(db) -> Site:
    return make_site("North")


def book(therapist, start, **extra) -> Appointment:
    return services.appointment_book(
        patient=extra.pop("patient", None) or PatientFactory(),
        therapist=therapist,
        appointment_type=follow_up(),
        start=start,
        by=None,
        notify=False,
        **extra,
    )


# --- one place at a time ---------------------------------------------------------------------


def test_it_keeps_a_therapist_from_appointments_at_two_sites_at_once(therapist, north):
    AppointmentFactory(therapist=therapist, site=default_site(), start=at(MONDAY, "10:00"))
    with pytest.raises(IntegrityError, match="therapist_no_overlap"), transaction.atomic():
        AppointmentFactory(therapist=therapist, site=north, start=at(MONDAY, "10:15"))
    AppointmentFactory(therapist=therapist, site=north, start=at(MONDAY, "10:30"))
    assert Appointment.objects.filter(therapist=therapist).count() == 2


def test_it_keeps_a_therapists_hours_at_two_sites_from_overlapping(therapist, north):
    hours_at(default_site(), therapist, weekdays=[0], start="09:00", end="13:00")
    with pytest.raises(IntegrityError, match="workinghours_no_overlap"), transaction.atomic():
        hours_at(north, therapist, weekdays=[0], start="12:00", end="17:00")
    hours_at(north, therapist, weekdays=[0], start="13:00", end="17:00")  # touching is fine
    hours_at(north, therapist, weekdays=[1], start="09:00", end="17:00")  # another day too
    assert WorkingHours.objects.filter(therapist=therapist).count() == 3


def test_it_explains_overlapping_hours_next_to_the_field(reception_client, therapist, north):
    hours_at(default_site(), therapist, weekdays=[0], start="09:00", end="13:00")
    response = reception_client.post(
        reverse("bookings:hours_add", args=[therapist.public_id]),
        {"weekday": 0, "start_time": "12:00", "end_time": "17:00", "site": north.public_id},
    )
    assert response.status_code == 400
    error = response.context["hours_form"].errors["start_time"][0]
    assert "Monday 09:00-13:00 at Apex Clinic" in error
    assert "one site at a time" in error
    assert 'id="error_1_id_start_time"' in response.content.decode()
    assert WorkingHours.objects.filter(therapist=therapist).count() == 1


def test_it_adds_hours_at_the_chosen_site(reception_client, therapist, north):
    reception_client.post(
        reverse("bookings:hours_add", args=[therapist.public_id]),
        {"weekday": 2, "start_time": "09:00", "end_time": "12:00", "site": north.public_id},
    )
    assert WorkingHours.objects.get(therapist=therapist).site == north


# --- where an appointment is -------------------------------------------------------------------


def test_it_books_at_the_site_whose_hours_cover_the_time(therapist, north):
    hours_at(default_site(), therapist, weekdays=[0])
    hours_at(north, therapist, weekdays=[1])
    assert book(therapist, at(MONDAY, "10:00")).site == default_site()
    assert book(therapist, at(TUESDAY, "10:00")).site == north


def test_it_books_outside_hours_at_the_chosen_site(therapist, north):
    hours_at(default_site(), therapist, weekdays=[0])
    appointment = book(therapist, at(TUESDAY, "10:00"), allow_outside_hours=True, site=north)
    assert appointment.site == north
    assert appointment.outside_hours


def test_it_refuses_a_room_at_another_site(therapist, north):
    room = RoomFactory(name="Room 1", site=default_site())
    hours_at(north, therapist, weekdays=[1])
    with pytest.raises(services.BookingConflictError) as refused:
        book(therapist, at(TUESDAY, "10:00"), room=room)
    assert refused.value.messages == ["Room 1 is at Apex Clinic, and this appointment is at North."]
    assert not Appointment.objects.exists()


def test_it_refuses_a_site_the_therapists_hours_contradict(therapist, north):
    hours_at(north, therapist, weekdays=[1])
    with pytest.raises(services.BookingConflictError) as refused:
        book(therapist, at(TUESDAY, "10:00"), site=default_site())
    assert "works at North then, not at Apex Clinic" in refused.value.messages[0]
    assert not Appointment.objects.exists()


def test_it_moves_an_appointment_to_the_site_of_its_new_hours(therapist, north):
    hours_at(default_site(), therapist, weekdays=[0])
    hours_at(north, therapist, weekdays=[1])
    appointment = book(therapist, at(MONDAY, "10:00"))
    services.appointment_move(appointment=appointment, start=at(TUESDAY, "11:00"), by=None)
    appointment.refresh_from_db()
    assert appointment.site == north


# --- each site's clock and holidays ------------------------------------------------------------


def test_it_keeps_each_sites_wall_clock_across_the_clocks_change(therapist, other_therapist):
    berlin = make_site("Berlin", time_zone="Europe/Berlin")
    dublin = make_site("Dublin", time_zone="Europe/Dublin")
    hours_at(berlin, therapist, weekdays=[0], start="09:00", end="12:00")
    hours_at(dublin, other_therapist, weekdays=[0], start="09:00", end="12:00")
    found = selectors.working_intervals_by_site(
        therapist_ids=[therapist.pk, other_therapist.pk],
        first=dt.date(2026, 3, 23),
        last=dt.date(2026, 3, 30),
    )
    berlin_starts = [start for start, _ in found[therapist.pk][berlin]]
    dublin_starts = [start for start, _ in found[other_therapist.pk][dublin]]
    # 09:00 in Berlin is 08:00 UTC in winter and 07:00 UTC in summer; in Dublin 09:00 then 08:00.
    assert berlin_starts == [
        dt.datetime(2026, 3, 23, 8, tzinfo=UTC),
        dt.datetime(2026, 3, 30, 7, tzinfo=UTC),
    ]
    assert dublin_starts == [
        dt.datetime(2026, 3, 23, 9, tzinfo=UTC),
        dt.datetime(2026, 3, 30, 8, tzinfo=UTC),
    ]


@time_machine.travel(dt.datetime(2026, 3, 30, 5, tzinfo=UTC), tick=False)
def test_it_offers_a_sites_slots_on_its_own_clock(therapist):
    berlin = make_site("Berlin", time_zone="Europe/Berlin")
    hours_at(berlin, therapist, weekdays=[0], start="09:00", end="10:00")
    slots = selectors.free_slots(appointment_type=follow_up(), site=berlin, days=1)
    assert [(slot.start, slot.site) for slot in slots[:1]] == [
        (dt.datetime(2026, 3, 30, 7, tzinfo=UTC), berlin)
    ]
    assert selectors.free_slots(appointment_type=follow_up(), site=default_site(), days=1) == []


def test_it_closes_a_site_on_its_own_public_holidays(therapist, other_therapist, settings):
    settings.CLINIC_HOLIDAYS = "GB-ENG"
    cork = make_site("Cork", time_zone="Europe/Dublin", holiday_region="IE")
    hours_at(cork, therapist, weekdays=[1])
    give_hours(other_therapist, weekdays=[1])
    patricks_day = dt.date(2026, 3, 17)  # a Tuesday: Ireland closes, England does not
    found = selectors.working_intervals_for(
        therapist_ids=[therapist.pk, other_therapist.pk], first=patricks_day, last=patricks_day
    )
    assert found[therapist.pk] == []
    assert found[other_therapist.pk] == [(at(patricks_day, "09:00"), at(patricks_day, "17:00"))]


def test_it_keeps_the_default_site_on_the_clinic_settings(settings):
    settings.CLINIC_HOLIDAYS = ""
    settings.TIME_ZONE = "Europe/Dublin"
    main = default_site()
    assert (main.holidays, str(main.zone)) == ("", "Europe/Dublin")


# --- pages filter by site ----------------------------------------------------------------------


def test_it_offers_no_site_chooser_with_one_site(reception_client):
    for name in ("bookings:week", "bookings:home", "bookings:find_slot", "bookings:create"):
        response = reception_client.get(reverse(name))
        assert "site" not in response.context["form"].fields, name


def test_it_shows_only_the_chosen_sites_week(reception_client, therapist, other_therapist, north):
    hours_at(default_site(), therapist, weekdays=[0])
    hours_at(north, other_therapist, weekdays=[0])
    AppointmentFactory(therapist=therapist, site=default_site(), start=at(MONDAY, "10:00"))
    there = AppointmentFactory(therapist=other_therapist, site=north, start=at(MONDAY, "11:00"))
    response = reception_client.get(
        reverse("bookings:week"), {"date": MONDAY, "site": north.public_id}
    )
    columns = [column for day in response.context["days"] for column in day["columns"]]
    assert {column["therapist"] for column in columns} == {other_therapist}
    assert [item for column in columns for item in column["appointments"]] == [there]
    assert "Bookings · week of 23 March 2026 · North" in html.unescape(response.content.decode())
    everyone = reception_client.get(reverse("bookings:week"), {"date": MONDAY})
    shown = {c["therapist"] for day in everyone.context["days"] for c in day["columns"]}
    assert shown == {therapist, other_therapist}


@pytest.mark.parametrize("extra_sites", [1, 4])
def test_it_draws_a_sites_week_in_a_fixed_number_of_queries(
    reception_client, django_assert_num_queries, therapist, extra_sites
):
    sites = [make_site(f"Site {n}") for n in range(extra_sites)]
    for n, site in enumerate(sites):
        hours_at(site, therapist, weekdays=[n % 7])
        AppointmentFactory(therapist=therapist, site=site, start=at(MONDAY, f"{10 + n}:00"))
    reception_client.get(reverse("bookings:home"))  # the first visit saves the session
    # session, user, the active sites with the therapists (one statement), working hours
    # with schedule exceptions (one statement), appointments with patient/type/room joined,
    # the audit insert
    with django_assert_num_queries(6):
        response = reception_client.get(
            reverse("bookings:week"), {"date": MONDAY, "site": sites[0].public_id}
        )
    shown = [
        i for day in response.context["days"] for c in day["columns"] for i in c["appointments"]
    ]
    assert len(shown) == 1


# --- the patient's preferred site --------------------------------------------------------------


def test_it_saves_a_patients_preferred_site_and_offers_it_first(reception_client, north):
    patient = PatientFactory()
    response = reception_client.get(reverse("patients:edit", args=[patient.public_id]))
    form = response.context["form"]
    data = {
        name: form[name].value() if form[name].value() is not None else "" for name in form.fields
    }
    data.update(preferred_site=str(north.public_id))
    data = {key: value for key, value in data.items() if value not in (False, None)}
    reception_client.post(reverse("patients:edit", args=[patient.public_id]), data)
    patient.refresh_from_db()
    assert patient.preferred_site == north
    booking = reception_client.get(reverse("bookings:create"), {"patient": patient.public_id})
    assert booking.context["form"].initial["site"] == str(north.public_id)


# --- the admin ---------------------------------------------------------------------------------


def test_it_lets_the_manager_edit_a_sites_opening_hours(client, manager, reception, north):
    url = reverse("admin:clinic_site_change", args=[north.pk])
    client.force_login(reception)
    assert client.get(url).status_code in (302, 403)
    client.force_login(manager)
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "group": north.group_id,
            "name": "North",
            "slug": "north",
            "address": "1 North Road",
            "phone": "",
            "email": "",
            "time_zone": "Europe/London",
            "holiday_region": "GB-ENG",
            "is_active": "",
            "opening_hours-TOTAL_FORMS": "1",
            "opening_hours-INITIAL_FORMS": "0",
            "opening_hours-MIN_NUM_FORMS": "0",
            "opening_hours-MAX_NUM_FORMS": "1000",
            "opening_hours-0-weekday": "5",
            "opening_hours-0-opens": "08:00",
            "opening_hours-0-closes": "12:00",
        },
    )
    assert response.status_code == 302, response.context and response.context["errors"]
    north.refresh_from_db()
    assert not north.is_active  # closed, not deleted
    assert [str(hours) for hours in SiteOpeningHours.objects.filter(site=north)] == [
        "Saturday 08:00-12:00"
    ]
    delete = client.get(reverse("admin:clinic_site_delete", args=[north.pk]))
    assert delete.status_code == 403


# --- the waitlist and online booking ----------------------------------------------------------


@time_machine.travel(at(MONDAY, "09:00"), tick=False)
def test_it_offers_freed_time_only_to_those_waiting_for_that_site(therapist, north, settings):
    from bookings.waitlist import offers
    from tests.bookings.waitlist_helpers import join, waiting_patient

    settings.CLINIC_HOLIDAYS = ""
    give_hours(therapist, weekdays=[1])  # Tuesdays at the default site
    booked = book(therapist, at(TUESDAY, "10:00"))
    elsewhere = join(waiting_patient(), urgency="urgent", site=north)
    anywhere = join(waiting_patient())
    services.appointment_cancel(appointment=booked, by=None, reason="Unwell")
    assert list(offers.WaitlistOffer.objects.values_list("entry_id", flat=True)) == [anywhere.pk]
    assert not elsewhere.offers.exists()


def test_it_lists_a_sites_waitlist_with_those_who_take_any_site(reception_client, north):
    from tests.bookings.waitlist_helpers import join, waiting_patient

    join(waiting_patient(first_name="Nora"), site=north, available_from=dt.date.today())
    join(waiting_patient(first_name="Mae"), site=default_site(), available_from=dt.date.today())
    join(waiting_patient(first_name="Andy"), available_from=dt.date.today())
    response = reception_client.get(reverse("bookings:waitlist"), {"site": north.public_id})
    names = {entry.patient.first_name for entry in response.context["entries"]}
    assert names == {"Nora", "Andy"}
    page = response.content.decode()
    assert "Nora" in page
    assert "at North" in page


@time_machine.travel(at(MONDAY, "12:00"), tick=False)
def test_it_lists_online_times_at_the_patients_preferred_site_first(
    client, therapist, other_therapist, north, settings
):
    from tests.bookings.online_helpers import existing_patient, online_follow_up

    settings.CLINIC_HOLIDAYS = ""
    online_follow_up()
    hours_at(default_site(), therapist, weekdays=range(7), start="09:00", end="12:00")
    hours_at(north, other_therapist, weekdays=range(7), start="13:00", end="17:00")
    me = existing_patient(
        email="pat@test.example",
        therapist=therapist,
        seen=at("2026-03-16", "10:00"),
        preferred_site=north,
    )
    client.force_login(me.user)
    start = reverse("portal:booking:start")
    shown = client.get(start, {"therapist": "any"})  # no site asked for: the preferred one
    slots = [item["slot"] for day in shown.context["days"] for item in day["slots"]]
    assert slots
    assert {slot.site for slot in slots} == {north}
    assert shown.context["form"]["site"].value() == str(north.public_id)
    assert "at North" in shown.content.decode()
    anywhere = client.get(start, {"site": "any", "therapist": "any"})
    sites = {item["slot"].site for day in anywhere.context["days"] for item in day["slots"]}
    assert sites == {north, default_site()}


@pytest.mark.parametrize("junk", ["", "not-a-site", "00000000-0000-0000-0000-000000000000", "\x00"])
def test_it_refuses_a_bad_site_next_to_the_field(reception_client, therapist, north, junk):
    response = reception_client.post(
        reverse("bookings:hours_add", args=[therapist.public_id]),
        {"weekday": 0, "start_time": "09:00", "end_time": "12:00", "site": junk},
    )
    assert response.status_code == 400
    assert "site" in response.context["hours_form"].errors
    assert not WorkingHours.objects.exists()
    finder = reception_client.get(
        reverse("bookings:find_slot"), {"appointment_type": follow_up().public_id, "site": junk}
    )
    assert finder.status_code == 200
    if junk:
        assert "site" in finder.context["form"].errors
