"""Therapists' calendar feeds: a private iCalendar link their phone subscribes to.

The feed is read back with the same library the site writes it with (icalendar), as a
calendar app would: times, places and initials, never a name, a note or a diagnosis.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import icalendar
import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from bookings import services as booking_services
from bookings.feeds import services
from bookings.ical import event_uid
from bookings.models import Appointment, AppointmentType, CalendarFeed
from clinic.models import AuditEvent
from clinic.sites import Site
from tests.bookings.factories import LONDON, AppointmentFactory, RoomFactory, at
from tests.exercises.factories import confirmed_decision
from tests.patients.factories import EpisodeFactory

pytestmark = pytest.mark.django_db

NOTE = "Query proximal hamstring tendinopathy; ask about sitting pain"


def make_link(client: Client) -> str:
    """Press "Make my calendar link" and read the secret link the page shows once."""
    response = client.post(reverse("bookings:feed_create"))
    assert response.status_code == 302
    page = client.get(reverse("bookings:feed_settings"))
    return page.context["feed_url"]


def fetch(url: str, **headers):
    """The feed as a phone asks for it: no session, no cookies."""
    return Client().get(url.removeprefix("http://127.0.0.1:8000"), **headers)


def events_of(response) -> dict[str, icalendar.Event]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(response.content)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


@pytest.fixture
def clock():
    """Thursday 15 October 2026, noon in London, ten days before the clocks go back; the
    fixtures that build rows ask for it first, so every row is stamped in that world."""
    with time_machine.travel(at("2026-10-15", "12:00"), tick=False) as traveller:
        yield traveller


@pytest.fixture
def booked(clock, therapist, patient):
    """Robin Trail's appointment with the therapist, in Room 2, with a note and a diagnosis."""
    episode = EpisodeFactory(patient=patient)
    confirmed_decision(episode=episode, therapist=therapist, final_dx="neural")
    return AppointmentFactory(
        patient=patient,
        therapist=therapist,
        episode=episode,
        room=RoomFactory(name="Room 2"),
        start=at("2026-10-20", "09:00"),
        notes=NOTE,
    )


def test_it_serves_a_feed_a_calendar_library_can_read(
    therapist_client, therapist, other_therapist, booked, settings
):
    settings.CLINIC_ADDRESS = "1 Track Lane, London E1 1AA"
    last_month = AppointmentFactory(therapist=therapist, start=at("2026-09-20", "10:00"))
    too_old = AppointmentFactory(therapist=therapist, start=at("2026-09-10", "10:00"))
    too_far = AppointmentFactory(therapist=therapist, start=at("2027-11-01", "10:00"))
    colleagues = AppointmentFactory(therapist=other_therapist, start=at("2026-10-21", "10:00"))

    events = events_of(fetch(make_link(therapist_client)))

    assert set(events) == {event_uid(booked), event_uid(last_month)}
    assert event_uid(too_old) not in events
    assert event_uid(too_far) not in events
    assert event_uid(colleagues) not in events
    event = events[event_uid(booked)]
    assert str(event["SUMMARY"]) == "Follow-up · R.T."
    assert str(event["LOCATION"]) == "Room 2, Apex Clinic, 1 Track Lane, London E1 1AA"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event.decoded("DTEND") - event.decoded("DTSTART") == dt.timedelta(minutes=30)
    assert str(event["URL"]).endswith(f"/bookings/{booked.public_id}/")


def test_it_keeps_nine_oclock_at_nine_across_the_october_clock_change(
    clock, therapist_client, therapist, patient
):
    # Clocks go back on Sunday 25 October 2026: 09:00 is 08:00 UTC before, 09:00 UTC after.
    before = AppointmentFactory(
        patient=patient, therapist=therapist, start=at("2026-10-20", "09:00")
    )
    after = AppointmentFactory(
        patient=patient, therapist=therapist, start=at("2026-10-27", "09:00")
    )
    assert before.start.astimezone(dt.UTC).hour == 8
    assert after.start.astimezone(dt.UTC).hour == 9

    response = fetch(make_link(therapist_client))
    events = events_of(response)

    for appointment in (before, after):
        start = events[event_uid(appointment)].decoded("DTSTART")
        assert start == appointment.start  # the same instant
        assert start.astimezone(LONDON).time() == dt.time(9, 0)  # shown at 09:00 local
    text = response.content.decode()
    assert "DTSTART;TZID=Europe/London:20261020T090000" in text
    assert "DTSTART;TZID=Europe/London:20261027T090000" in text
    # The file carries the zone's rules, so an app that does not know it still gets it right.
    (zone,) = icalendar.Calendar.from_ical(response.content).walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/London"
    assert {str(part["TZNAME"]) for part in zone.subcomponents} == {"GMT", "BST"}


def test_it_never_shows_names_notes_or_diagnoses(therapist_client, booked, patient):
    diagnosis = booked.episode.decisions.get().get_clinician_final_dx_display()
    booked.cancellation_reason = "Flare-up after parkrun"
    booked.save()

    body = fetch(make_link(therapist_client)).content.decode()
    unfolded = body.replace("\r\n ", "")

    for secret in (patient.last_name, patient.first_name, NOTE, "hamstring", diagnosis, "Flare"):
        assert secret.lower() not in unfolded.lower(), secret
    assert patient.email not in unfolded
    assert str(patient.phone) not in unfolded
    assert "R.T." in unfolded


def test_it_marks_a_cancelled_appointment_cancelled_under_the_same_uid(
    therapist_client, therapist, booked
):
    url = make_link(therapist_client)
    first = events_of(fetch(url))[event_uid(booked)]

    with time_machine.travel(at("2026-10-16", "08:00"), tick=False):
        booking_services.appointment_cancel(appointment=booked, by=therapist, reason="Patient rang")
    second = events_of(fetch(url))[event_uid(booked)]

    assert str(first["STATUS"]) == "CONFIRMED"
    assert str(second["STATUS"]) == "CANCELLED"
    assert second["SEQUENCE"] > first["SEQUENCE"]
    assert second.decoded("LAST-MODIFIED") > first.decoded("LAST-MODIFIED")
    assert second.decoded("DTSTAMP") == second.decoded("LAST-MODIFIED")


def test_it_moves_an_event_in_place_when_the_appointment_moves(therapist_client, therapist, booked):
    url = make_link(therapist_client)
    Appointment.objects.filter(pk=booked.pk).update(
        start=at("2026-10-22", "14:00"), end=at("2026-10-22", "14:30"), sequence=1
    )
    (event,) = events_of(fetch(url)).values()
    assert str(event["UID"]) == event_uid(booked)
    assert event["SEQUENCE"] == 1
    assert event.decoded("DTSTART").astimezone(LONDON) == dt.datetime(
        2026, 10, 22, 14, 0, tzinfo=LONDON
    )


def test_it_stores_only_a_hash_of_the_secret(therapist_client, therapist):
    url = make_link(therapist_client)
    token = re.search(r"/feed/([^/]+)\.ics$", url).group(1)
    feed = CalendarFeed.objects.get(therapist=therapist)
    assert feed.token_hash == hashlib.sha256(token.encode()).hexdigest()
    stored = [str(value) for value in CalendarFeed.objects.values_list()[0]]
    assert token not in stored


def test_it_shows_the_link_once_with_a_copy_button_and_a_webcal_link(therapist_client):
    therapist_client.post(reverse("bookings:feed_create"))
    page = therapist_client.get(reverse("bookings:feed_settings"))
    url = page.context["feed_url"]
    html = page.content.decode()
    assert f'value="{url}"' in html
    assert 'data-copy="feed-url"' in html
    assert f'href="webcal://{url.split("://", 1)[1]}"' in html

    again = therapist_client.get(reverse("bookings:feed_settings"))
    assert "feed_url" not in again.context
    assert url not in again.content.decode()
    assert "Make a new link" in again.content.decode()


def test_it_answers_404_once_the_link_is_turned_off(therapist_client, therapist):
    url = make_link(therapist_client)
    assert fetch(url).status_code == 200

    response = therapist_client.post(reverse("bookings:feed_revoke"))

    assert response.status_code == 302
    assert fetch(url).status_code == 404
    feed = CalendarFeed.objects.get(therapist=therapist)  # kept, not deleted
    assert feed.revoked_at is not None
    assert feed.revoked_by == therapist


def test_it_retires_the_old_link_when_a_new_one_is_made(therapist_client, therapist):
    old = make_link(therapist_client)
    new = make_link(therapist_client)

    assert old != new
    assert fetch(old).status_code == 404
    assert fetch(new).status_code == 200
    assert CalendarFeed.objects.filter(therapist=therapist).count() == 2
    assert CalendarFeed.objects.live().filter(therapist=therapist).count() == 1


@pytest.mark.parametrize(
    "token",
    ["made-up-token", "A" * 43, "A" * 44, "-" * 43],
)
def test_it_answers_404_to_a_made_up_link(token, therapist_client):
    make_link(therapist_client)
    assert Client().get(reverse("bookings:feed", args=[token])).status_code == 404


def test_it_gives_a_feed_page_to_therapists_only(
    client, therapist, reception, patient_user, manager
):
    page = reverse("bookings:feed_settings")
    for user, expected in ((therapist, 200), (manager, 200), (reception, 404), (patient_user, 404)):
        client.force_login(user)
        assert client.get(page).status_code == expected, user
        posted = client.post(reverse("bookings:feed_create"))
        assert posted.status_code == (302 if expected == 200 else 404), user
    assert not CalendarFeed.objects.filter(therapist__in=[reception, patient_user]).exists()
    client.logout()
    assert client.get(page).status_code == 302  # to the login page


def test_it_answers_304_until_something_in_the_feed_changes(clock, therapist_client, booked):
    # The data migrations stamped the appointment types and the default site with the real
    # clock, after the test's frozen noon: back-date them to the test's world.
    AppointmentType.objects.update(updated_at=at("2026-10-01", "09:00"))
    Site.objects.update(updated_at=at("2026-10-01", "09:00"))
    url = make_link(therapist_client)
    first = fetch(url)
    etag, modified = first["ETag"], first["Last-Modified"]
    assert "private" in first["Cache-Control"]

    assert fetch(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert fetch(url, HTTP_IF_MODIFIED_SINCE=modified).status_code == 304

    clock.shift(dt.timedelta(minutes=5))
    booked.patient.last_name = "Ridgeway"  # the initials change
    booked.patient.save()
    changed = fetch(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert "R.R." in changed.content.decode()
    assert fetch(url, HTTP_IF_MODIFIED_SINCE=modified).status_code == 200


@pytest.mark.parametrize("count", [1, 15])
def test_it_serves_the_feed_in_a_fixed_number_of_queries(
    clock, therapist_client, therapist, django_assert_num_queries, count
):
    rooms = [RoomFactory(), None]
    for index in range(count):
        AppointmentFactory(
            therapist=therapist,
            room=rooms[index % 2],
            start=at("2026-10-19", "09:00") + dt.timedelta(hours=index),
        )
    url = make_link(therapist_client)
    # the feed by its secret's hash (with its therapist), the appointments (patient, type
    # and room joined), the audit line
    with django_assert_num_queries(3):
        response = fetch(url)
    assert len(events_of(response)) == count


def test_it_draws_the_feed_page_in_a_fixed_number_of_queries(
    therapist_client, django_assert_num_queries
):
    make_link(therapist_client)
    therapist_client.get(reverse("bookings:feed_settings"))  # the secret has been shown
    # session, user, the live feed (the session, already rid of the secret, is not saved)
    with django_assert_num_queries(3):
        therapist_client.get(reverse("bookings:feed_settings"))


def test_it_audits_links_made_and_turned_off_and_each_fetch_once(
    therapist_client, therapist, booked
):
    url = make_link(therapist_client)
    fetch(url)
    fetch(url)
    therapist_client.post(reverse("bookings:feed_revoke"))
    fetch(url)  # 404: not a fetch of a feed

    events = AuditEvent.objects.filter(object_type="bookings.calendarfeed").order_by("at", "id")
    assert [event.detail["event"] for event in events] == [
        "calendar_feed_created",
        "calendar_feed_fetched",
        "calendar_feed_fetched",
        "calendar_feed_revoked",
    ]
    assert {event.patient_id for event in events} == {None}  # the feed names no patient
    assert events[1].detail["events"] == 1
    assert events[1].actor is None
    assert events[3].actor == therapist


def test_it_slows_down_a_link_fetched_too_often(therapist_client, monkeypatch, settings):
    if "Redis" not in settings.CACHES["default"]["BACKEND"]:
        pytest.skip("counts fetches in the shared cache")
    monkeypatch.setattr(services, "FETCHES_PER_HOUR", 2)
    url = make_link(therapist_client)
    assert [fetch(url).status_code for _ in range(3)] == [200, 200, 429]


def test_it_lets_the_manager_revoke_any_feed_in_the_admin(therapist_client, therapist, manager):
    url = make_link(therapist_client)
    manager_client = Client()
    manager_client.force_login(manager)
    feed = CalendarFeed.objects.get(therapist=therapist)

    response = manager_client.post(
        reverse("admin:bookings_calendarfeed_changelist"),
        {"action": "revoke_feeds", "_selected_action": [feed.pk]},
    )

    assert response.status_code == 302
    assert fetch(url).status_code == 404
    feed.refresh_from_db()
    assert feed.revoked_by == manager
    assert (
        "token_hash"
        not in manager_client.get(
            reverse("admin:bookings_calendarfeed_change", args=[feed.pk])
        ).content.decode()
    )


def test_it_keeps_typed_names_inside_their_own_calendar_lines(therapist_client, therapist, booked):
    booked.room.name = "Room\r\nATTENDEE:mailto:x@evil.example"
    booked.room.save()
    booked.appointment_type.name = "Follow-up\u2028END:VEVENT"
    booked.appointment_type.save()
    booked.patient.first_name = "\r\nX-HACK:1"
    booked.patient.save()
    therapist.first_name = "Tess\nMETHOD:CANCEL"
    therapist.save()

    response = fetch(make_link(therapist_client))
    events = events_of(response)

    assert len(events) == 1
    for line in response.content.decode().split("\r\n")[:-1]:
        assert not line.startswith(("ATTENDEE", "X-HACK", "METHOD:CANCEL")), line
        assert not re.search(r"[\x00-\x08\x0a-\x1f\x7f\u2028\u2029]", line)


def test_it_keeps_serving_the_feed_while_the_cache_is_down(therapist_client, booked, request):
    url = make_link(therapist_client)
    request.getfixturevalue("cache_down")  # Redis stops after the link was made

    assert event_uid(booked) in events_of(fetch(url))
