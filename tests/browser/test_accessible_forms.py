"""Forms that work for everyone: an error summary that leads to each field, a sign-in code that
can be pasted, a long intake form with a list of sections, and targets big enough to hit."""

import re

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from clinic.models import User
from exercises.library import library_load
from exercises.models import Exercise, SessionLog
from patients.models import Patient
from tests.browser.conftest import log_in
from tests.browser.keyboard import assert_focus_visible, press, tab_to
from tests.conftest import PASSWORD, make_user
from tests.exercises.factories import published_plan
from tests.patients.factories import EpisodeFactory, PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _focused_id(page) -> str:
    return page.evaluate("document.activeElement.id")


def _summary_leads_to(page, field_label: str, field_id: str) -> None:
    """The summary holds a link to the field, and the link moves focus there."""
    link = page.locator("[data-error-summary]").get_by_role(
        "link", name=re.compile(re.escape(field_label))
    )
    assert link.get_attribute("href") == f"#{field_id}"
    link.focus()
    page.keyboard.press("Enter")
    assert _focused_id(page) == field_id
    assert_focus_visible(page)


def test_it_sums_up_the_errors_of_the_patient_form_with_links_to_the_fields(page):
    make_user("desk@test.example", User.Role.RECEPTION, first_name="Rita")
    log_in(page, "desk@test.example", PASSWORD)
    page.wait_for_url("**/bookings/")
    page.goto("/patients/new/")
    page.get_by_label("Last name").fill("Fleetfoot")
    page.get_by_role("button", name="Register patient").click()

    summary = page.locator("[data-error-summary]")
    expect(summary).to_contain_text("First name")
    expect(summary).to_be_focused()
    # The summary opens the form, above the first field.
    first_field = page.locator("form input:not([type=hidden]), form select").first
    assert summary.bounding_box()["y"] < first_field.bounding_box()["y"]
    _summary_leads_to(page, "First name", "id_first_name")
    assert not Patient.objects.exists()


def test_it_sums_up_the_errors_of_the_session_log_with_links_to_the_fields(phone_page):
    page = phone_page
    library_load(Exercise)  # earlier transactional tests may have flushed the migration's rows
    therapist = make_user("physio@test.example", User.Role.THERAPIST)
    user = make_user("ada@runners.example", User.Role.PATIENT, first_name="Ada")
    published_plan(therapist=therapist, episode=EpisodeFactory(patient=PatientFactory(user=user)))
    log_in(page, user.email, PASSWORD)
    page.wait_for_url("**/portal/")
    page.goto("/portal/log/")
    page.get_by_role("button", name="Save my session").click()

    summary = page.locator("[data-error-summary]")
    expect(summary).to_contain_text("Pain during the exercises")
    expect(summary).to_contain_text("How hard did it feel?")
    expect(summary).to_be_focused()
    _summary_leads_to(page, "Pain afterwards", "id_pain_after")
    # a group of radio buttons is reached through its first button
    _summary_leads_to(page, "How hard did it feel?", "id_difficulty_0")
    assert not SessionLog.objects.exists()


def test_it_sums_up_a_wrong_sign_in_code(page, settings):
    settings.STAFF_2FA_REQUIRED = True
    therapist = make_user("physio@test.example", User.Role.THERAPIST)
    TOTPDevice.objects.create(user=therapist, name="Authenticator app", confirmed=True)
    log_in(page, therapist.email, PASSWORD)
    page.wait_for_url("**/2fa/verify/**")
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Continue").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_contain_text("didn't match")
    expect(summary).to_be_focused()
    _summary_leads_to(page, "Code", "id_token")


def test_it_signs_in_with_a_pasted_code_that_has_a_space(browser, live_server, settings):
    settings.STAFF_2FA_REQUIRED = True
    therapist = make_user("physio@test.example", User.Role.THERAPIST)
    device = TOTPDevice.objects.create(user=therapist, name="Authenticator app", confirmed=True)
    context = browser.new_context(base_url=live_server.url)
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    try:
        log_in(page, therapist.email, PASSWORD)
        page.wait_for_url("**/2fa/verify/**")
        code = f"{totp(device.bin_key):06d}"
        field = page.get_by_label("Code")
        assert field.get_attribute("autocomplete") == "one-time-code"
        assert field.get_attribute("inputmode") == "numeric"
        # Paste it as an app copies it, with the space in the middle.
        page.evaluate("text => navigator.clipboard.writeText(text)", f"{code[:3]} {code[3:]}")
        field.focus()
        page.keyboard.press("ControlOrMeta+V")
        expect(field).to_have_value(f"{code[:3]} {code[3:]}")
        page.keyboard.press("Enter")
        page.wait_for_url("**/dashboard/")
    finally:
        context.close()


def test_it_moves_through_the_intake_form_by_its_list_of_sections(page):
    therapist = make_user("physio@test.example", User.Role.THERAPIST)
    episode = EpisodeFactory()
    log_in(page, therapist.email, PASSWORD)
    page.wait_for_url("**/dashboard/")
    page.goto(f"/assessments/episodes/{episode.public_id}/new/")

    sections = page.get_by_role("navigation", name="Sections of the form")
    links = sections.get_by_role("link")
    assert links.count() >= 4
    target = links.nth(2)
    name, anchor = target.inner_text(), target.get_attribute("href")
    press(page, target)
    # Focus lands on the section itself, so the next Tab reaches its first question.
    assert "#" + _focused_id(page) == anchor
    assert page.evaluate("document.activeElement.querySelector('legend').textContent") == name
    page.keyboard.press("Tab")
    assert page.evaluate(f"!!document.activeElement.closest('{anchor}')")
    assert_focus_visible(page)
    # The section ends with a way back to the list.
    back = page.locator(anchor).get_by_role("link", name="Back to the list of sections")
    tab_to(page, back)
    page.keyboard.press("Enter")
    assert _focused_id(page) == "form-sections"
    page.keyboard.press("Tab")
    expect(links.first).to_be_focused()


#: Pages to measure at phone width, by role.
TARGET_PAGES = {
    "therapist": ["/dashboard/", "/patients/", "/exercises/", "/bookings/", "/bookings/week/"],
    "patient": ["/portal/", "/portal/log/", "/portal/history/", "/portal/appointments/"],
}

#: Every visible interactive element that is not a link inside a line of text (WCAG 2.5.8
#: exempts those), with its size.
SMALL_TARGETS = """() => {
  const inText = (el) => {
    if (el.tagName !== 'A') return false;
    const block = el.parentElement;
    const text = Array.from(block.childNodes)
      .filter((n) => n !== el && !(n.nodeType === 1 && n.matches('a, button, input, select')))
      .map((n) => n.textContent).join('').trim();
    return getComputedStyle(el).display === 'inline' && text.length > 0;
  };
  const small = [];
  for (const el of document.querySelectorAll(
      'a[href], button, input:not([type=hidden]), select, textarea, summary, [role=button]')) {
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height || inText(el) || el.closest('.visually-hidden-focusable')) continue;
    if (box.width < 24 || box.height < 24) {
      small.push(`${el.outerHTML.slice(0, 90)}: ${box.width.toFixed(1)} x ${box.height.toFixed(1)}`);
    }
  }
  return small;
}"""


def test_it_makes_targets_at_least_24_pixels_on_a_phone(browser, live_server):
    library_load(Exercise)  # earlier transactional tests may have flushed the migration's rows
    therapist = make_user("physio@test.example", User.Role.THERAPIST)
    patient_user = make_user("ada@runners.example", User.Role.PATIENT, first_name="Ada")
    published_plan(
        therapist=therapist, episode=EpisodeFactory(patient=PatientFactory(user=patient_user))
    )
    PatientFactory.create_batch(3)
    found = []
    for email, pages in (
        (therapist.email, TARGET_PAGES["therapist"]),
        (patient_user.email, TARGET_PAGES["patient"]),
    ):
        context = browser.new_context(
            base_url=live_server.url, viewport=PHONE, is_mobile=True, has_touch=True
        )
        page = context.new_page()
        try:
            log_in(page, email, PASSWORD)
            page.wait_for_load_state()
            for url in pages:
                page.goto(url)
                page.get_by_role("button", name="Show menu").click()  # the menu's links too
                page.locator("#main-nav.show").wait_for()
                found += [f"{url}: {small}" for small in page.evaluate(SMALL_TARGETS)]
        finally:
            context.close()
    assert not found, "targets under 24 x 24 px:\n" + "\n".join(found)
