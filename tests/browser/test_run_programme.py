"""A patient on a phone (390 px) logs runs and answers "How was this morning?" the day after;
the programme moves on by its rule, or holds when a run hurt."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from exercises.selectors import patient_today
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD, make_user
from tests.patients.factories import EpisodeFactory, PatientFactory
from tests.running.factories import programme

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE_390 = {"width": 390, "height": 844}


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE_390, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def runner():
    therapist = make_user("physio@test.example", "therapist", first_name="Tess")
    user = make_user("ada@runners.example", "patient", first_name="Ada")
    patient = PatientFactory(user=user, first_name="Ada", last_name="Lovelace")
    today = patient_today(patient)
    programme(
        therapist=therapist,
        episode=EpisodeFactory(patient=patient),
        template="acute_strain",
        started_on=today - dt.timedelta(days=10),
    )
    return user, today


def log_run(phone, day: dt.date, *, during: str, after: str) -> None:
    phone.get_by_role("link", name="Log a run").first.click()
    phone.get_by_label("Day of the run").fill(day.isoformat())
    phone.get_by_label("Minutes out (walking and running)").fill("30")
    phone.get_by_label("Flat", exact=True).check()
    phone.get_by_label("Easy: I could chat").check()
    phone.get_by_label("Pain before you set off (0 to 10)").fill("1")
    phone.get_by_label("Pain during the run (0 to 10)").fill(during)
    phone.get_by_label("Pain after the run (0 to 10)").fill(after)
    assert fits_the_phone(phone)
    phone.get_by_role("button", name="Save my run").click()
    expect(phone.get_by_role("heading", name="My running programme")).to_be_visible()


def answer_morning(phone, day: dt.date, pain: str) -> None:
    """The day after the run: the prompt on the running page, answered."""
    prompt = phone.locator(".morning-prompt")
    expect(prompt).to_contain_text(f"{day:%A} {day.day} {day:%B}")
    prompt.get_by_role("link").click()
    phone.get_by_label("Your pain this morning (0 to 10)").fill(pain)
    phone.get_by_role("button", name="Save").click()
    expect(phone.get_by_text("Thank you: your morning answer is saved.")).to_be_visible()


def fits_the_phone(phone) -> bool:
    return phone.evaluate("document.documentElement.scrollWidth") <= 390


def test_it_moves_the_patient_on_after_two_easy_runs_settled_next_morning(phone, runner):
    user, today = runner
    first, second = today - dt.timedelta(days=4), today - dt.timedelta(days=2)
    log_in(phone, user.email, PASSWORD)
    phone.wait_for_url("**/portal/")
    expect(phone.locator(".portal-running")).to_contain_text("Step 1 of 8: Brisk walk")
    assert fits_the_phone(phone)

    log_run(phone, first, during="0", after="1")
    decision = phone.locator(".programme-decision")
    expect(decision).to_contain_text(f"How was the morning after {first:%A}'s run?")
    answer_morning(phone, first, "1")
    expect(decision).to_contain_text("You have done 1 of 2 runs at this step with little pain.")

    log_run(phone, second, during="1", after="1")
    assert fits_the_phone(phone)
    answer_morning(phone, second, "0")
    expect(decision).to_contain_text("You did 2 runs at this step with little pain")
    expect(decision).to_contain_text("Next step: Walk and jog")
    expect(phone.get_by_role("heading", name="Step 2 of 8: Walk and jog")).to_be_visible()
    assert fits_the_phone(phone)


def test_it_holds_the_patient_at_the_step_when_a_run_hurt(phone, runner):
    user, today = runner
    first, second = today - dt.timedelta(days=4), today - dt.timedelta(days=2)
    log_in(phone, user.email, PASSWORD)
    phone.wait_for_url("**/portal/")

    log_run(phone, first, during="1", after="1")
    answer_morning(phone, first, "1")
    log_run(phone, second, during="3", after="2")
    answer_morning(phone, second, "1")
    decision = phone.locator(".programme-decision")
    expect(decision).to_contain_text(f"Your pain reached 3 during {second:%A}'s run, so stay")
    expect(phone.get_by_role("heading", name="Step 1 of 8: Brisk walk")).to_be_visible()
    assert fits_the_phone(phone)
