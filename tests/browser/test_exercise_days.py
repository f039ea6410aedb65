"""A patient on a phone (390 px) with an every-third-day exercise sees it on its days only, and
on the other days is told when it is next due.

Dates are chosen the way the other browser tests choose them: the plan's start is set relative
to the patient's today, here moved back a day at a time to walk through four days of the plan.
"""

import datetime as dt

import pytest
from playwright.sync_api import expect

from exercises.library import library_load
from exercises.models import Exercise, ExercisePlan, PlanItem
from exercises.schedule import WEEKDAYS
from exercises.selectors import patient_today
from exercises.services import plan_create, plan_publish
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD, make_user
from tests.patients.factories import EpisodeFactory, PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE_390 = {"width": 390, "height": 844}
GLIDER = "Askling Glider (standing slide)"


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE_390, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def glider_plan():
    library_load(Exercise)  # earlier transactional tests may have flushed the migration's rows
    therapist = make_user("physio@test.example", "therapist", first_name="Tess")
    user = make_user("ada@runners.example", "patient", first_name="Ada")
    patient = PatientFactory(user=user, first_name="Ada")
    plan = plan_create(
        episode=EpisodeFactory(patient=patient),
        user=therapist,
        exercises=list(Exercise.objects.filter(code__in=["EX-A05", "EX-G01"]).order_by("code")),
    )
    PlanItem.objects.filter(plan=plan, exercise__code="EX-A05").update(every_n_days=3)
    plan_publish(plan=plan, user=therapist)
    return plan, patient_today(patient)


def test_it_shows_an_every_third_day_exercise_on_its_days_only(phone, glider_plan):
    plan, today = glider_plan
    log_in(phone, "ada@runners.example", PASSWORD)
    todays = phone.locator(".portal-exercises")
    for days_in, due in ((0, True), (1, False), (2, False), (3, True)):
        ExercisePlan.objects.filter(pk=plan.pk).update(
            start_date=today - dt.timedelta(days=days_in)
        )
        phone.goto("/portal/")
        expect(todays).to_contain_text("Easy cycling")  # every day
        if due:
            expect(todays).to_contain_text(GLIDER)
            expect(todays).to_contain_text("Days: Every 3 days")
            expect(phone.locator(".portal-not-today")).to_have_count(0)
        else:
            expect(todays).not_to_contain_text(GLIDER)
            next_on = today + dt.timedelta(days=3 - days_in)
            words = WEEKDAYS[next_on.weekday()] + (" (tomorrow)" if days_in == 2 else "")
            expect(phone.locator(".portal-not-today")).to_contain_text(f"{GLIDER}: next on {words}")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    # on a rest day the log still lets Ada record an extra Glider, marked as not due
    ExercisePlan.objects.filter(pk=plan.pk).update(start_date=today - dt.timedelta(days=1))
    phone.goto("/portal/log/")
    expect(phone.get_by_label(f"I also did: {GLIDER} (not due that day)")).to_be_visible()
    expect(phone.get_by_label("I did: Easy cycling")).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
