"""Patients are given the phone number of the site their appointment is at, falling back to
the clinic's (issue 19's closing note, item 6): appointment emails, the reply to a text that
cancels, the portal's "too late to cancel online" line, online booking's refusals and the
decision on a booking request."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from bookings import emails
from bookings.online.services import phone_the_clinic
from bookings.reminders import appointment_reply
from bookings.requests.messages import _context
from bookings.requests.models import BookingRequest
from clinic.sites import default_site
from tests.bookings.factories import AppointmentFactory, at
from tests.clinic.site_factories import make_site

pytestmark = pytest.mark.django_db

CLINIC_PHONE = "020 7946 0000"
YORK_PHONE = "01904 496 000"


@pytest.fixture(autouse=True)
def clock(settings):
    settings.CLINIC_PHONE = CLINIC_PHONE
    with time_machine.travel(at("2026-03-20", "12:00"), tick=False):
        yield


@pytest.fixture
def york(db):
    site = make_site("Apex York")
    site.phone = YORK_PHONE
    site.save()
    return site


def visit(patient, therapist, site, day="2026-03-24"):
    return AppointmentFactory(
        patient=patient, therapist=therapist, site=site, start=at(day, "10:00")
    )


def confirmation_body(appointment, mailoutbox) -> str:
    mailoutbox.clear()
    emails.send(appointment_ids=[appointment.pk], kind=emails.Kind.CONFIRMATION)
    (message,) = mailoutbox
    return message.body


def test_the_email_about_a_york_visit_gives_yorks_number(patient, therapist, york, mailoutbox):
    body = confirmation_body(visit(patient, therapist, york), mailoutbox)

    assert YORK_PHONE in body
    assert CLINIC_PHONE not in body


def test_the_email_about_a_visit_at_the_main_site_gives_the_clinics_number(
    patient, therapist, york, mailoutbox
):
    body = confirmation_body(visit(patient, therapist, default_site()), mailoutbox)

    assert CLINIC_PHONE in body
    assert YORK_PHONE not in body


def test_a_site_without_its_own_number_gives_the_clinics(patient, therapist, mailoutbox):
    leeds = make_site("Apex Leeds")

    body = confirmation_body(visit(patient, therapist, leeds), mailoutbox)

    assert CLINIC_PHONE in body


def test_cancelling_by_text_reply_gives_yorks_number_to_book_again(patient, therapist, york):
    visit(patient, therapist, york)

    handled = appointment_reply(patient=patient, intent="no", now=timezone.now())

    assert handled.answer.endswith(f"is cancelled. Call {YORK_PHONE} to book again.")


def test_the_portal_gives_yorks_number_when_it_is_too_late_to_cancel_online(
    client, patient_user, patient, therapist, york
):
    patient.user = patient_user
    patient.save()
    client.force_login(patient_user)
    visit(patient, therapist, york, day="2026-03-21")  # tomorrow morning: inside the notice

    page = client.get(reverse("portal:appointments:list")).content.decode()

    assert f'please phone the clinic on <a href="tel:01904496000">{YORK_PHONE}</a>' in page


def test_the_portal_home_gives_yorks_number_when_it_is_too_late_to_cancel_online(
    client, patient_user, patient, therapist, york
):
    # The home reads its appointments in its one statement and builds them from JSON: the
    # site's number and whether it is the main site must land in the right fields.
    patient.user = patient_user
    patient.save()
    client.force_login(patient_user)
    visit(patient, therapist, york, day="2026-03-21")  # tomorrow morning: inside the notice

    page = client.get(reverse("portal:home")).content.decode()

    assert f'please phone the clinic on <a href="tel:01904496000">{YORK_PHONE}</a>' in page


def test_online_booking_refusals_about_a_york_visit_give_yorks_number(patient, therapist, york):
    appointment = visit(patient, therapist, york)

    assert phone_the_clinic(appointment) == f"Please phone the clinic on {YORK_PHONE}."
    assert phone_the_clinic() == f"Please phone the clinic on {CLINIC_PHONE}."


def test_the_decision_on_a_booking_request_gives_the_booked_sites_number(patient, therapist, york):
    request = BookingRequest(first_name="Robin", email="robin@runners.example", status="approved")
    request.appointment = visit(patient, therapist, york)

    assert _context(request)["clinic_phone"] == YORK_PHONE
