"""The main tasks done with the keyboard alone, with focus visible at every step: a therapist
records an intake, reception books an appointment, a patient logs a session."""

import re

import pytest
from playwright.sync_api import expect

from bookings.models import Appointment
from clinic.models import User
from exercises.library import library_load
from exercises.models import Exercise, SessionLog
from tests.bookings.factories import follow_up, give_hours
from tests.browser.conftest import log_in
from tests.browser.keyboard import choose, press, tab_to, type_into
from tests.browser.test_intake_journey import INTAKE_CHOICES
from tests.conftest import PASSWORD, make_user
from tests.exercises.factories import published_plan
from tests.patients.factories import EpisodeFactory, PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def pick_radio(page, group, option: str) -> None:
    """Tab into a radio group and move to `option` with the arrow keys (which also tick it)."""
    tab_to(page, group.first)
    for _ in range(group.count()):
        focused = page.evaluate("document.activeElement.labels[0].textContent.trim()")
        if focused == option:
            if not page.evaluate("document.activeElement.checked"):
                page.keyboard.press("Space")
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"no radio button labelled {option}")


def test_it_records_an_intake_with_the_keyboard_alone(page):
    therapist = make_user("physio@test.example", User.Role.THERAPIST, first_name="Tess")
    episode = EpisodeFactory(patient=PatientFactory(first_name="Ada", last_name="Fleetfoot"))
    log_in(page, therapist.email, PASSWORD)
    page.wait_for_url("**/dashboard/")
    page.goto(f"/patients/{episode.patient.public_id}/")

    press(page, page.get_by_role("link", name="Record intake"))
    page.wait_for_url("**/assessments/**")
    for label, choice in INTAKE_CHOICES.items():
        choose(page, page.get_by_label(label, exact=True), choice)
    type_into(page, page.get_by_label("Pain now (0-10)"), "3")
    press(page, page.get_by_role("button", name="Save and finalise"))

    expect(page.get_by_text("The assessment is saved and final.")).to_be_visible()
    assert "neural tissue sensitivity" in page.locator(".suggestion-summary").inner_text()


def test_it_books_an_appointment_with_the_keyboard_alone(page, settings):
    settings.CLINIC_HOLIDAYS = ""
    therapist = make_user("tess@test.example", User.Role.THERAPIST, first_name="Tess")
    make_user("rita@test.example", User.Role.RECEPTION, first_name="Rita")
    give_hours(therapist)
    follow_up()
    patient = PatientFactory(first_name="Robin", last_name="Trail")
    log_in(page, "rita@test.example", PASSWORD)
    page.wait_for_url("**/bookings/")

    press(page, page.get_by_role("link", name="Find a free slot"))
    page.wait_for_url("**/bookings/find/**")
    choose(page, page.get_by_label("Appointment type"), "Follow-up (30 min)")
    choose(page, page.get_by_label("Therapist"), "Tess")
    press(page, page.get_by_role("button", name="Find slots"))
    press(page, page.get_by_role("link", name=re.compile(r"^Book .* with Tess$")).first)
    type_into(page, page.get_by_label("Find the patient by name, email or phone"), "trail")
    with page.expect_navigation():
        page.keyboard.press("Enter")  # the search form's own submit
    choose(page, page.get_by_role("combobox", name=re.compile(r"^Patient")), "Robin Trail")
    press(page, page.get_by_role("button", name="Book", exact=True))

    expect(page.locator(".alert-success")).to_contain_text("Booked Robin Trail with Tess")
    assert Appointment.objects.get().patient == patient


def test_it_logs_a_session_in_the_portal_with_the_keyboard_alone(page):
    library_load(Exercise)  # earlier transactional tests may have flushed the migration's rows
    therapist = make_user("physio@test.example", User.Role.THERAPIST, first_name="Tess")
    user = make_user("ada@runners.example", User.Role.PATIENT, first_name="Ada")
    episode = EpisodeFactory(patient=PatientFactory(user=user, first_name="Ada"))
    published_plan(therapist=therapist, episode=episode)
    log_in(page, user.email, PASSWORD)
    page.wait_for_url("**/portal/")

    press(page, page.get_by_role("link", name="Log today's session"))
    page.wait_for_url("**/portal/log/")
    for box in page.get_by_label(re.compile("^I did:")).all():
        press(page, box, "Space")
        expect(box).to_be_checked()
    type_into(page, page.get_by_label("Pain during the exercises (0 to 10)"), "2")
    type_into(page, page.get_by_label("Pain afterwards (0 to 10)"), "3")
    pick_radio(page, page.locator("input[name=difficulty]"), "About right")
    press(page, page.get_by_role("button", name="Save my session"))

    expect(page.get_by_text("Session for today saved.")).to_be_visible()
    entry = SessionLog.objects.get()
    assert (entry.pain_during, entry.pain_after, entry.difficulty) == (2, 3, "about_right")
