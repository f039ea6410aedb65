"""Messages name the site (issue 19): appointment emails and their calendar files, reminders
by text and email, waitlist offers, booking-request decisions, the therapists' calendar feeds
and the portal's appointment list. With two sites each message names its own site and
address; a clinic with one site reads as before."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from bookings import emails
from bookings.models import Appointment, Room
from bookings.places import places_to_name, site_place
from bookings.reminders import AppointmentReminders
from bookings.waitlist.models import WaitlistOffer
from bookings.waitlist.reminders import WaitlistOffers
from clinic.sites import Site, default_site
from notifications.conversation import segments
from notifications.sms_budget import AUTOMATIC_SMS_PARTS, automatic_sms
from notifications.sources import Compose
from tests.bookings.factories import AppointmentFactory, at
from tests.bookings.test_calendar_feeds import events_of, fetch, make_link
from tests.bookings.waitlist_helpers import join
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

LEEDS_ADDRESS = "3 Kirkstall Road\nLeeds LS3 1AA"
YORK_ADDRESS = "12 Micklegate\nYork YO1 6JX"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(at("2026-03-20", "12:00"), tick=False):
        yield


def make_site(name: str, address: str = "", **extra) -> Site:
    slug = name.lower().replace(" ", "-")[:60]
    return Site.objects.create(
        group=default_site().group, name=name, slug=slug, address=address, **extra
    )


@pytest.fixture
def leeds(db):
    return make_site("Apex Leeds", LEEDS_ADDRESS)


@pytest.fixture
def york(db):
    return make_site("Apex York", YORK_ADDRESS)


def visit(patient, therapist, site, day="2026-03-24", hhmm="10:00", **extra) -> Appointment:
    return AppointmentFactory(
        patient=patient, therapist=therapist, site=site, start=at(day, hhmm), **extra
    )


def email_about(appointment, mailoutbox, kind=emails.Kind.CONFIRMATION):
    mailoutbox.clear()
    assert emails.send(appointment_ids=[appointment.pk], kind=kind) == 1
    (message,) = mailoutbox
    (attachment,) = message.attachments
    (event,) = icalendar.Calendar.from_ical(attachment[1]).walk("VEVENT")
    return message, event


def reminder_for(appointment):
    [content] = AppointmentReminders().compose_many(
        [Compose(appointment.pk, timezone.localdate(), "Robin")]
    )
    return content


def sent_text(content) -> str:
    return automatic_sms(content.sms, f"http://127.0.0.1:8000{content.action_path}")


# --- appointment emails and their calendar files --------------------------------------------


def test_it_names_each_appointments_own_site_in_the_email_and_calendar_file(
    patient, therapist, leeds, york, mailoutbox
):
    for site, address in ((leeds, "3 Kirkstall Road, Leeds LS3 1AA"), (york, "12 Micklegate")):
        other = york if site == leeds else leeds
        appointment = visit(patient, therapist, site, hhmm="10:00" if site == leeds else "11:00")

        message, event = email_about(appointment, mailoutbox)

        assert f"at {site.name}, {address}" in message.body
        assert other.name not in message.body
        assert str(event["LOCATION"]).startswith(f"{site.name}, {address}")


def test_it_names_the_site_of_each_appointment_in_a_series(
    patient, therapist, leeds, york, mailoutbox
):
    first = visit(patient, therapist, leeds, day="2026-03-24")
    second = visit(patient, therapist, york, day="2026-03-31")

    emails.send(appointment_ids=[first.pk, second.pk], kind=emails.Kind.CONFIRMATION)

    (message,) = mailoutbox
    assert message.body.index("Apex Leeds") < message.body.index("Apex York")


def test_it_reads_as_before_in_a_one_site_clinic(patient, therapist, mailoutbox, settings):
    settings.CLINIC_ADDRESS = "1 Track Lane\nLondon E1 1AA"
    appointment = visit(patient, therapist, default_site())

    message, event = email_about(appointment, mailoutbox)

    assert "(Europe/London time), with " in message.body
    assert "\n  at " not in message.body
    assert "Track Lane" not in message.body
    # The calendar file carries the clinic's address, as the calendar feeds always did.
    assert str(event["LOCATION"]) == "Apex Clinic, 1 Track Lane, London E1 1AA"


def test_it_gives_a_site_without_an_address_its_name_only(
    patient, therapist, leeds, mailoutbox, settings
):
    settings.CLINIC_ADDRESS = "1 Track Lane, London E1 1AA"
    bare = make_site("Apex Pop-up")
    appointment = visit(patient, therapist, bare)

    message, event = email_about(appointment, mailoutbox)

    assert str(event["LOCATION"]) == "Apex Pop-up"  # never the main clinic's address
    assert "at Apex Pop-up\n" in message.body


def test_it_names_a_closed_site_even_when_only_one_site_is_open(patient, therapist, mailoutbox):
    closed = make_site("Apex Old Mill", "1 Mill Lane", is_active=False)
    appointment = visit(patient, therapist, closed)

    message, _ = email_about(appointment, mailoutbox, kind=emails.Kind.CANCELLED)

    assert "at Apex Old Mill, 1 Mill Lane" in message.body


# --- reminders --------------------------------------------------------------------------------


def test_it_names_the_site_and_address_in_appointment_reminders(patient, therapist, leeds, york):
    at_leeds = visit(patient, therapist, leeds)
    at_york = visit(patient, therapist, york, hhmm="12:00")

    leeds_reminder, york_reminder = reminder_for(at_leeds), reminder_for(at_york)

    assert leeds_reminder.sms == (
        "Apex Clinic: reminder of your appointment on Tuesday 24 March at 10:00 at Apex Leeds, "
        "3 Kirkstall Road, Leeds LS3 1AA. Reply Y to confirm or N to cancel."
    )
    assert "at Apex York, 12 Micklegate, York YO1 6JX." in york_reminder.sms
    assert ("Where", "Apex Leeds, 3 Kirkstall Road, Leeds LS3 1AA") in leeds_reminder.items
    assert "at Apex York." in york_reminder.intro
    assert segments(sent_text(leeds_reminder)) <= AUTOMATIC_SMS_PARTS


def test_it_sends_the_reminder_as_before_in_a_one_site_clinic(patient, therapist, settings):
    settings.CLINIC_ADDRESS = "1 Track Lane, London E1 1AA"
    content = reminder_for(visit(patient, therapist, default_site()))

    assert content.sms == (
        "Apex Clinic: reminder of your appointment on Tuesday 24 March at 10:00. "
        "Reply Y to confirm or N to cancel."
    )
    assert content.intro == "This is a reminder of your appointment on Tuesday 24 March at 10:00."
    assert [label for label, _ in content.items] == ["With", "Length"]


def test_it_keeps_a_reminder_with_the_longest_site_name_and_address_to_two_parts(
    patient, therapist, york, settings
):
    settings.SITE_URL = "https://bookings.apex-clinic-physiotherapy.example"
    longest = make_site("Wednesbury " * 9 + "Sports Injury Centres", "Unit 7\n" + "Long Road " * 20)
    assert len(longest.name) == 120  # the longest a site's name may be

    content = reminder_for(visit(patient, therapist, longest, day="2026-09-30"))

    assert segments(sent_text(content)) <= AUTOMATIC_SMS_PARTS
    assert "at Wednesbury Wednesbury" in content.sms  # still says where, shortened
    assert content.sms.endswith("Reply Y to confirm or N to cancel.")


def test_it_drops_an_address_that_would_make_the_text_cost_more(patient, therapist, york):
    # A curly apostrophe is not in the GSM alphabet: the whole text would go as UCS-2.
    quay = make_site("Apex Quay", "St Mary\u2019s Quay\nBristol BS1 4AA")

    content = reminder_for(visit(patient, therapist, quay))

    assert "at Apex Quay. Reply Y" in content.sms
    assert segments(sent_text(content)) <= AUTOMATIC_SMS_PARTS


# --- waitlist offers --------------------------------------------------------------------------


def offer_at(patient, therapist, room, site=None) -> WaitlistOffer:
    entry = join(patient, available_from=dt.date(2026, 3, 20))
    return WaitlistOffer.objects.create(
        entry=entry,
        patient=patient,
        therapist=therapist,
        room=room,
        site=site or (room.site if room is not None else default_site()),
        slot_start=at("2026-03-24", "10:00"),
        slot_end=at("2026-03-24", "10:30"),
        start=at("2026-03-24", "10:00"),
        end=at("2026-03-24", "10:30"),
        expires_at=at("2026-03-20", "12:30"),
    )


def offer_content(offer):
    [content] = WaitlistOffers().compose_many([Compose(offer.pk, timezone.localdate(), "Robin")])
    return content


def test_it_names_the_site_of_the_offered_slot(patient, therapist, leeds, york):
    room = Room.objects.create(name="Room 1", site=york)

    content = offer_content(offer_at(patient, therapist, room))

    assert "on Tuesday 24 March at 10:00 at Apex York, 12 Micklegate, York YO1 6JX has come" in (
        content.sms
    )
    assert ("Where", "Apex York, 12 Micklegate, York YO1 6JX") in content.items
    assert "at Apex York has come free" in content.intro
    assert "Leeds" not in content.sms
    assert segments(sent_text(content)) <= AUTOMATIC_SMS_PARTS


def test_it_offers_as_before_in_a_one_site_clinic(patient, therapist):
    content = offer_content(offer_at(patient, therapist, None))

    assert content.sms == (
        "Apex Clinic: an appointment on Tuesday 24 March at 10:00 has come free for you. "
        "It is yours if you take it by 12:30:"
    )
    assert [label for label, _ in content.items] == ["With", "Length"]


# --- calendar feeds -----------------------------------------------------------------------


def test_it_puts_each_sites_name_and_address_in_the_feeds_location(
    therapist_client, therapist, patient, leeds, york, settings
):
    settings.CLINIC_ADDRESS = "1 Track Lane, London E1 1AA"
    room = Room.objects.create(name="Room 2", site=york)
    at_york = visit(patient, therapist, york, room=room)
    at_leeds = visit(patient, therapist, leeds, hhmm="14:00")
    at_main = visit(patient, therapist, default_site(), hhmm="16:00")

    events = events_of(fetch(make_link(therapist_client)))

    from bookings.ical import event_uid

    assert str(events[event_uid(at_york)]["LOCATION"]) == (
        "Room 2, Apex York, 12 Micklegate, York YO1 6JX"
    )
    assert str(events[event_uid(at_leeds)]["LOCATION"]) == (
        "Apex Leeds, 3 Kirkstall Road, Leeds LS3 1AA"
    )
    assert str(events[event_uid(at_main)]["LOCATION"]) == (
        "Apex Clinic, 1 Track Lane, London E1 1AA"
    )


# --- booking request decisions ------------------------------------------------------------


def test_it_names_the_site_in_the_decision_on_a_booking_request(therapist, leeds, mailoutbox):
    from bookings.requests.messages import _context, _decision_sms
    from bookings.requests.models import BookingRequest

    appointment = visit(PatientFactory(first_name="Robin"), therapist, leeds)
    request = BookingRequest(first_name="Robin", email="robin@runners.example", status="approved")
    request.appointment = appointment

    context = _context(request)

    assert context["place"] == site_place(leeds)
    text = _decision_sms(context)
    assert "at Apex Leeds. Details are in your email." in text
    assert segments(text) == 1


# --- the portal's appointment list --------------------------------------------------------


@pytest.fixture
def portal_client(client, patient_user, patient):
    patient.user = patient_user
    patient.save()
    client.force_login(patient_user)
    return client


def test_it_shows_the_patient_where_each_appointment_is(
    portal_client, patient, therapist, leeds, york
):
    visit(patient, therapist, leeds, day="2026-03-24")
    visit(patient, therapist, york, day="2026-03-10", status=Appointment.Status.COMPLETED)

    page = portal_client.get(reverse("portal:appointments:list")).content.decode()

    assert "At Apex Leeds, 3 Kirkstall Road, Leeds LS3 1AA" in page
    assert "at Apex York ·" in page


def test_it_lists_appointments_as_before_in_a_one_site_clinic(portal_client, patient, therapist):
    visit(patient, therapist, default_site())

    page = portal_client.get(reverse("portal:appointments:list")).content.decode()

    assert "Tuesday 24 March" in page
    assert "At Apex Clinic" not in page


def test_it_reads_the_sites_for_messages_in_one_query(django_assert_num_queries, leeds, york):
    main = default_site()
    with django_assert_num_queries(1):
        places = places_to_name([leeds.pk, york.pk, main.pk])
    assert places[leeds.pk].line == "Apex Leeds, 3 Kirkstall Road, Leeds LS3 1AA"


def test_it_keeps_a_hostile_site_name_on_the_location_line(patient, therapist, york, mailoutbox):
    hostile = make_site("Leeds\r\nATTENDEE:x", "1 Road\u2028ORGANIZER:y")
    message, event = email_about(visit(patient, therapist, hostile), mailoutbox)

    assert str(event["LOCATION"]) == "Leeds ATTENDEE:x, 1 Road, ORGANIZER:y"
    raw = message.attachments[0][1]
    raw = raw.decode() if isinstance(raw, bytes) else raw
    assert not any(line.startswith(("ATTENDEE", "ORGANIZER")) for line in raw.split("\r\n"))
