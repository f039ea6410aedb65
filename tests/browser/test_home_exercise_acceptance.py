"""Issue 16's acceptance, as one patient's days on a phone: the Askling Glider, every third
day, shows only on its days, with the whole dose and its note, the stop rules before the
folded steps, and a demonstration video that plays with captions; on a rest day it is gone
from today's list and the page says when it is next due.

The pieces have their own browser tests (test_exercise_days, test_whole_dose,
test_exercise_video); this one checks they hold together on the same card.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from exercises.library import library_load
from exercises.models import Exercise, ExercisePlan, PlanItem
from exercises.schedule import WEEKDAYS
from exercises.selectors import patient_today
from exercises.services import plan_create, plan_publish
from exercises.videos.services import video_upload
from tests.browser.conftest import log_in
from tests.browser.test_exercise_video import PLAY, recorded_webm
from tests.conftest import PASSWORD, make_user
from tests.exercises.video_files import VTT, png
from tests.patients.factories import EpisodeFactory, PatientFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
GLIDER = "Askling Glider (standing slide)"
STOP_HEADING = "Safety first: when to stop"


@pytest.fixture
def glider_plan(browser, settings, tmp_path):
    settings.DEBUG = True  # the live server serves the uploaded poster from MEDIA_ROOT
    settings.MEDIA_ROOT = tmp_path
    library_load(Exercise)  # earlier transactional tests may have flushed the migration's rows
    therapist = make_user("physio@test.example", "therapist", first_name="Tess")
    user = make_user("ada@runners.example", "patient", first_name="Ada")
    patient = PatientFactory(user=user, first_name="Ada")
    glider = Exercise.objects.get(code="EX-A05")
    video_upload(
        exercise=glider,
        user=therapist,
        video=SimpleUploadedFile("glider.webm", recorded_webm(browser), "video/webm"),
        poster=SimpleUploadedFile("glider.png", png(), "image/png"),
        captions=SimpleUploadedFile("glider.vtt", VTT, "text/vtt"),
    )
    plan = plan_create(
        episode=EpisodeFactory(patient=patient),
        user=therapist,
        exercises=[glider, Exercise.objects.get(code="EX-G01")],
    )
    PlanItem.objects.filter(plan=plan, exercise=glider).update(every_n_days=3)
    plan_publish(plan=plan, user=therapist)
    plan.refresh_from_db()
    return plan, patient_today(patient)


def start_days_ago(plan, today: dt.date, days: int) -> None:
    ExercisePlan.objects.filter(pk=plan.pk).update(start_date=today - dt.timedelta(days=days))


def test_it_shows_the_glider_on_its_days_with_its_dose_rules_and_video(
    browser, live_server, glider_plan
):
    plan, today = glider_plan
    [glider] = [item for item in plan.current_version.items if item["key"] == "EX-A05"]
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        log_in(page, "ada@runners.example", PASSWORD)
        page.wait_for_url("**/portal/")

        # Its day: the card has the whole dose, the stop rules first and the video.
        start_days_ago(plan, today, 3)
        page.goto("/portal/")
        card = page.locator(".portal-exercises > li", has_text=GLIDER)
        expect(card).to_have_count(1)
        expect(card.locator(".exercise-dose")).to_have_text(glider["dose_text"])
        expect(card.locator(".exercise-dose-note")).to_contain_text("Every third day")
        expect(card).to_contain_text("Days: Every 3 days")
        rules = card.get_by_role("region", name=STOP_HEADING)
        expect(rules).to_be_visible()
        for rule in glider["stop_rules"]:
            expect(rules).to_contain_text(rule)
        steps = card.get_by_text("How to do it")
        assert rules.bounding_box()["y"] < steps.bounding_box()["y"]
        expect(card.get_by_text(glider["instructions"][0])).to_be_hidden()  # folded

        player = card.locator("video")
        player.scroll_into_view_if_needed()
        player.click()  # a tap: phones need a user gesture to play
        played = page.evaluate(PLAY)
        assert played["error"] is None
        assert played["readyState"] >= 2 or played["currentTime"] > 0
        assert played["trackState"] == 2  # the captions loaded
        assert played["trackMode"] == "showing"
        assert played["cues"]
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

        # The next day is a rest day: not in today's list, and the page says when it is due.
        start_days_ago(plan, today, 4)
        page.goto("/portal/")
        expect(page.locator(".portal-exercises")).to_contain_text("Easy cycling")
        expect(page.locator(".portal-exercises")).not_to_contain_text(GLIDER)
        expect(page.locator(".portal-exercises video")).to_have_count(0)
        next_on = today + dt.timedelta(days=2)
        expect(page.locator(".portal-not-today")).to_contain_text(
            f"{GLIDER}: next on {WEEKDAYS[next_on.weekday()]}"
        )
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()
