"""A therapist changes the doses of two exercises and saves them with one button."""

import pytest
from playwright.sync_api import expect

from exercises.library import library_load
from exercises.models import Exercise
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD, make_user
from tests.exercises.factories import published_plan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def plan(settings):
    settings.DEBUG = True
    library_load(Exercise)  # earlier transactional tests may have flushed the migration's rows
    therapist = make_user("physio@test.example", "therapist", first_name="Tess")
    return published_plan(therapist=therapist)


def test_it_saves_two_changed_doses_with_one_click(page, plan):
    log_in(page, "physio@test.example", PASSWORD)
    page.wait_for_url("**/dashboard/")
    page.goto(f"/exercises/plans/{plan.public_id}/")
    first, third = page.locator(".plan-item").first, page.locator(".plan-item").nth(2)
    first.get_by_label("Sets").fill("3")
    third.get_by_label("Days a week").fill("5")
    third.get_by_label("Note for the patient").fill("After your run")

    page.get_by_role("button", name="Save all doses").click()

    expect(page.get_by_role("alert")).to_contain_text("Doses saved for")
    items = list(plan.items.order_by("position"))
    assert (items[0].sets, items[2].days_per_week, items[2].note) == (3, 5, "After your run")
    expect(page.locator(".plan-item").first.get_by_label("Sets")).to_have_value("3")

    # the move and remove buttons sit among the dose fields but submit their own forms
    name = items[0].exercise.name
    page.get_by_role("button", name=f"Move {name} down").click()
    expect(page.locator(".plan-item").nth(1)).to_contain_text(name)
    page.get_by_role("button", name=f"Remove {name}").click()
    expect(page.get_by_role("alert")).to_contain_text(f"Removed {name}")
    assert plan.items.count() == 2


def test_it_keeps_what_was_typed_when_one_dose_is_wrong(page, plan):
    log_in(page, "physio@test.example", PASSWORD)
    page.wait_for_url("**/dashboard/")
    page.goto(f"/exercises/plans/{plan.public_id}/")
    first, second = page.locator(".plan-item").first, page.locator(".plan-item").nth(1)
    first.get_by_label("Sets").fill("4")
    second.get_by_label("Days a week").fill("9")
    second.get_by_label("Days a week").press("Enter")  # Enter saves the doses too

    second = page.locator(".plan-item").nth(1)
    expect(second).to_contain_text("Choose between 1 and 7 days")
    expect(second.get_by_label("Days a week")).to_have_value("9")
    expect(page.locator(".plan-item").first.get_by_label("Sets")).to_have_value("4")
    assert [item.sets for item in plan.items.order_by("position")] == [None, None, None]


def test_it_fits_a_phone_screen(browser, live_server, plan):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        log_in(page, "physio@test.example", PASSWORD)
        page.wait_for_url("**/dashboard/")
        page.goto(f"/exercises/plans/{plan.public_id}/")
        expect(page.get_by_role("button", name="Save all doses")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()
