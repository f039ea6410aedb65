"""A confirmed red flag pauses the plan and no reminder is sent after it (SPEC 3.9b, amendment
26), through the browser and the real reminder pipeline: Celery worker and beat processes,
Redis, and an SMTP server on loopback that counts what it receives."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from exercises.library import library_load
from exercises.models import Exercise, ExercisePlan
from notifications.models import ReminderDelivery, ReminderSchedule
from tests.assessments.factories import NEURAL_FINDINGS, AssessmentFactory
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD, make_user
from tests.exercises.factories import published_plan
from tests.notifications import integration
from tests.notifications.integration import Processes, require_real_services, wait_for
from tests.patients.factories import EpisodeFactory, PatientFactory

# The real SMTP server, Celery processes and Redis database of the reminder integration tests.
smtp = integration.smtp
processes = integration.processes
clean_broker = integration.clean_broker

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.django_db(transaction=True)]
PHONE_390 = {"width": 390, "height": 844}
Status = ReminderDelivery.Status
#: Every page in the patient's menu, and the log page (which sends them home while on hold).
PORTAL_PAGES = (
    "portal:home",
    "portal:log",
    "portal:history",
    "portal:safety",
    "portal:appointments:list",
    "portal:reminders:settings",
)


@pytest.fixture
def phone_390(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport=PHONE_390, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def due_now(schedule: ReminderSchedule, *, not_in_minute_of: dt.datetime | None = None):
    """Make the reminder fall due now; reminders are identified by their minute, so the second
    one waits for a new minute if need be."""
    at = timezone.now() - dt.timedelta(seconds=1)
    if not_in_minute_of is not None:
        at = max(at, not_in_minute_of.replace(second=0, microsecond=0) + dt.timedelta(minutes=1))
    ReminderSchedule.objects.filter(pk=schedule.pk).update(next_due_at=at)
    return at


def test_a_confirmed_red_flag_pauses_the_plan_and_no_reminder_is_sent_after_it(
    page,
    phone_390,
    settings,
    smtp,
    processes: Processes,
    clean_broker,
):
    require_real_services()
    settings.CLINIC_PHONE = "020 7946 0000"
    library_load(Exercise)  # earlier transactional tests may have flushed the migration's rows
    therapist = make_user("physio@test.example", "therapist", first_name="Tess")
    user = make_user("ada@runners.example", "patient", first_name="Ada")
    patient = PatientFactory(
        user=user,
        first_name="Ada",
        last_name="Lovelace",
        email=user.email,
        email_reminders_consent=True,
    )
    plan = published_plan(therapist=therapist, episode=EpisodeFactory(patient=patient))
    schedule = ReminderSchedule.objects.get(patient=patient)
    assessment = AssessmentFactory(
        episode=plan.episode,
        therapist=therapist,
        final=True,
        findings={**NEURAL_FINDINGS, "rf_bladder_change": True},
    )
    env = processes.env(broker=clean_broker(11), smtp_port=smtp.port)
    processes.worker(env)
    processes.beat(env)

    # The therapist confirms the engine's red-flag suggestion.
    log_in(page, therapist.email, PASSWORD)
    page.wait_for_url("**/dashboard/")
    page.goto(reverse("assessments:detail", args=[assessment.public_id]))
    page.get_by_role("button", name="Confirm diagnosis").click()
    page.get_by_text("Diagnosis confirmed: Red flag: referred on.").wait_for()
    expect(
        page.get_by_text("reminders are on hold until a clinician lifts the hold")
    ).to_be_visible()
    confirmed_at = timezone.now()
    plan.refresh_from_db()
    assert plan.is_held

    # The patient, on a phone, is told what to do at the top of every page.
    phone = phone_390
    log_in(phone, user.email, PASSWORD)
    phone.wait_for_url("**/portal/")
    for name in PORTAL_PAGES:
        phone.goto(reverse(name))
        notice = phone.locator("main .red-flag-notice")
        expect(notice).to_be_visible()
        expect(notice).to_have_attribute("role", "alert")
        # New bladder trouble: the rules' emergency tier.
        expect(notice).to_contain_text("Go to the emergency department (A&E) now.")
        expect(notice.get_by_role("link", name="020 7946 0000")).to_have_attribute(
            "href", "tel:02079460000"
        )
        first = phone.locator("main > *:not(.messages)").first
        assert "red-flag-notice" in first.get_attribute("class"), f"{name}: not at the top"
        box = notice.bounding_box()
        assert box["x"] >= 0, name
        assert box["x"] + box["width"] <= 390, name
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390, name
    phone.goto(reverse("portal:home"))
    expect(phone.get_by_role("heading", name="Your exercises are on hold")).to_be_visible()
    expect(phone.get_by_role("link", name="Log today's session")).to_have_count(0)

    # A reminder falling due after the confirmation is judged by the worker, and not sent.
    time.sleep(1.1)
    first_due = due_now(schedule)
    assert first_due > confirmed_at
    wait_for(
        lambda: ReminderDelivery.objects.filter(status__in=[Status.SKIPPED, Status.SENT]).exists(),
        timeout=60,
        what="the reminder after the confirmation to be judged",
        details=processes.logs,
    )
    time.sleep(3)  # several more dispatcher cycles: nothing may arrive
    assert smtp.count() == 0
    assert ReminderDelivery.objects.get().status == Status.SKIPPED

    # The therapist resumes the plan with a reason; the next reminder goes out.
    page.goto(reverse("exercises:plan_detail", args=[plan.public_id]))
    page.get_by_role("link", name="Resume with a reason").first.click()
    page.get_by_label("Why can the exercises start again?").fill(
        "Seen by the GP today: no cauda equina signs, cleared to exercise."
    )
    page.get_by_role("button", name="Resume the plan").click()
    page.get_by_text("The plan is active again and its reminders restart.").wait_for()
    assert ExercisePlan.objects.get(pk=plan.pk).status == ExercisePlan.Status.ACTIVE

    due_now(schedule, not_in_minute_of=first_due)
    wait_for(
        lambda: smtp.count() >= 1,
        timeout=120,
        what="the reminder after the resume",
        details=processes.logs,
    )
    wait_for(
        lambda: ReminderDelivery.objects.filter(status=Status.SENT).count() == 1,
        timeout=20,
        what="the delivery marked sent",
        details=processes.logs,
    )
    time.sleep(2)
    assert smtp.count() == 1
    assert smtp.messages[0].rcpt_tos == [patient.email]

    phone.goto(reverse("portal:home"))
    expect(phone.get_by_role("link", name="Log today's session")).to_be_visible()
