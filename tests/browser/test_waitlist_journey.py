"""Reception cancels an appointment; the freed slot is offered to the patient waiting for one,
who takes it from the link on their phone; reception sees the offer offered, then taken."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from bookings.models import Appointment, WaitlistOffer
from bookings.waitlist.offers import waitlist_entry_add
from clinic.models import User
from notifications.dispatch import reminders_dispatch
from tests.bookings.factories import AppointmentFactory, follow_up, give_hours
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD, make_user
from tests.patients.factories import PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LONDON = ZoneInfo("Europe/London")


def test_it_offers_a_cancelled_slot_to_the_waitlist_and_shows_it_taken(
    page, phone_page, mailoutbox, settings
):
    settings.CLINIC_HOLIDAYS = ""
    therapist = make_user("tess@test.example", User.Role.THERAPIST, first_name="Tess")
    make_user("rita@test.example", User.Role.RECEPTION, first_name="Rita")
    give_hours(therapist)
    tomorrow = timezone.now().astimezone(LONDON).date() + dt.timedelta(days=1)
    start = dt.datetime.combine(tomorrow, dt.time(10, 0), tzinfo=LONDON).astimezone(dt.UTC)
    cancelled = AppointmentFactory(
        patient=PatientFactory(first_name="Sasha", last_name="Ridge"),
        therapist=therapist,
        appointment_type=follow_up(),
        start=start,
    )
    waiting = PatientFactory(
        first_name="Robin",
        last_name="Trail",
        email="robin@test.example",
        email_reminders_consent=True,
    )
    waitlist_entry_add(
        patient=waiting,
        appointment_type=follow_up(),
        available_from=tomorrow - dt.timedelta(days=1),
        urgency="urgent",
        by=None,
    )

    log_in(page, "rita@test.example", PASSWORD)
    page.wait_for_url("**/bookings/")
    page.goto(f"/bookings/{cancelled.public_id}/")
    page.get_by_label("Reason for cancelling").fill("Patient unwell")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Cancel appointment").click()
    page.locator(".alert-success").wait_for()

    page.goto("/bookings/")
    page.get_by_role("link", name="Waitlist", exact=True).click()
    entry = page.get_by_role("region", name="Waitlist entry for Robin Trail")
    assert "Offered, waiting for an answer" in entry.inner_text()
    assert f"{tomorrow:%a} {tomorrow.day} {tomorrow:%b} 10:00" in entry.inner_text()

    # The worker's dispatcher sends the offer; the patient opens its link on their phone.
    reminders_dispatch()
    [offer_email] = [m for m in mailoutbox if m.to == ["robin@test.example"]]
    link = re.search(r"/portal/waitlist/offers/[\w-]+/", offer_email.body).group(0)
    phone_page.goto(link)
    phone_page.get_by_role("button", name="Take this appointment").click()
    assert "This appointment is yours" in phone_page.locator("main").inner_text()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= phone_page.viewport_size["width"]  # nothing runs off a phone screen

    page.goto("/bookings/waitlist/?show=all")
    entry = page.get_by_role("region", name="Waitlist entry for Robin Trail")
    assert "Accepted and booked" in entry.inner_text()
    assert Appointment.objects.get(status="booked").patient == waiting
    assert WaitlistOffer.objects.get().state == "accepted"
