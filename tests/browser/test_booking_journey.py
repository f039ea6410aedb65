"""Reception finds a free slot, books a follow-up, moves it; the patient sees it in the portal."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest

from bookings.models import Appointment
from clinic.models import User
from tests.bookings.factories import follow_up, give_hours
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD, make_user
from tests.patients.factories import PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_books_and_moves_a_follow_up_that_the_patient_then_sees(page, mailoutbox, settings):
    # The journey runs on whatever day the suite runs: the day after the first free slot
    # must not be a public holiday (holidays have their own tests).
    settings.CLINIC_HOLIDAYS = ""
    therapist = make_user("tess@test.example", User.Role.THERAPIST, first_name="Tess")
    make_user("rita@test.example", User.Role.RECEPTION, first_name="Rita")
    patient_user = make_user("robin@test.example", User.Role.PATIENT, first_name="Robin")
    give_hours(therapist)
    follow_up()
    patient = PatientFactory(
        user=patient_user, first_name="Robin", last_name="Trail", email="robin@test.example"
    )
    PatientFactory(first_name="Sasha", last_name="Ridge")

    log_in(page, "rita@test.example", PASSWORD)
    page.wait_for_url("**/bookings/")
    page.get_by_role("link", name="Find a free slot").click()
    page.get_by_label("Appointment type").select_option(label="Follow-up (30 min)")
    page.get_by_label("Therapist").select_option(label="Tess")
    page.get_by_role("button", name="Find slots").click()
    page.get_by_role("link", name=re.compile(r"^Book .* with Tess$")).first.click()

    page.get_by_label("Find the patient by name, email or phone").fill("trail")
    page.get_by_role("button", name="Search patients").click()
    page.get_by_role("combobox", name=re.compile(r"^Patient")).select_option(
        value=str(patient.public_id)
    )
    page.get_by_role("button", name="Book", exact=True).click()
    success = page.locator(".alert-success")
    assert "Booked Robin Trail with Tess" in success.inner_text()

    appointment = Appointment.objects.get()
    page.get_by_role("link", name="Robin Trail").click()
    local_start = appointment.start.astimezone(ZoneInfo("Europe/London"))
    new_day = local_start.date() + dt.timedelta(days=1)
    page.get_by_label("New date").fill(new_day.isoformat())
    page.get_by_role("button", name="Move appointment").click()
    assert "Moved to" in page.locator(".alert-success").inner_text()
    appointment.refresh_from_db()
    assert appointment.start.astimezone(local_start.tzinfo).date() == new_day
    assert [message.subject.split(" · ")[0] for message in mailoutbox] == [
        "Your appointment is booked",
        "Your appointment has changed",
    ]

    page.get_by_role("button", name="Log out").click()
    log_in(page, "robin@test.example", PASSWORD)
    page.wait_for_url("**/portal/")
    page.goto("/portal/appointments/")
    upcoming = page.locator(".list-group").first.inner_text()
    assert f"{new_day:%A} {new_day.day} {new_day:%B}, {local_start:%H:%M}" in upcoming
    assert "with Tess" in upcoming
