"""Every place a patient or therapist reads a dose shows the whole of it, and the stop rules
come before the steps, never folded away (issue 16, items 1 and 2)."""

from __future__ import annotations

import datetime as dt
import html

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from exercises.models import PlanVersion
from notifications.dispatch import reminders_dispatch
from notifications.models import ReminderSchedule
from tests.exercises.factories import library, published_plan
from tests.notifications.conftest import reschedule, utc
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

NOW = utc(2026, 6, 1, 12)  # 13:00 in London
CODES = ("EX-A04", "EX-A06", "EX-L02")
STOP_HEADING = "Safety first: when to stop"


@pytest.fixture
def plan(therapist, patient_user):
    # The plan starts on NOW's day, when every exercise is due (each item's days are spread
    # from the start), so the page and the reminder show all three.
    with time_machine.travel(NOW - dt.timedelta(hours=3), tick=False):
        patient = PatientFactory(
            user=patient_user,
            first_name="Jamie",
            email="jamie@runners.example",
            email_reminders_consent=True,
        )
        return published_plan(therapist=therapist, patient=patient, codes=CODES)


def text_of(response) -> str:
    return html.unescape(response.content.decode())


def assert_whole_doses_and_stop_rules_first(body: str, items: list[dict]) -> None:
    for item in items:
        start = body.index(item["name"])
        card = body[start : body.index(item["instructions"][-1], start)]
        assert item["dose_text"] in card
        assert item["dose_note"] in card
        heading = card.index(STOP_HEADING)
        assert heading < card.index(item["instructions"][0])
        for rule in item["stop_rules"]:
            assert heading < card.index(rule) < card.index(item["instructions"][0])
        # no part of the stop rules sits inside a folded block
        folded = card[card.find("<details") :] if "<details" in card else ""
        assert STOP_HEADING not in folded
        assert all(rule not in folded for rule in item["stop_rules"])


def test_it_shows_the_whole_dose_and_the_stop_rules_first_on_the_portal(client, plan):
    client.force_login(plan.patient.user)
    with time_machine.travel(NOW, tick=False):
        body = text_of(client.get(reverse("portal:home")))
    items = plan.current_version.items
    assert_whole_doses_and_stop_rules_first(body, items)
    assert "3 sets of 8 each side · once a day · 2 days a week" in body
    assert "Never two days in a row" in body
    assert "every 2 to 3 hours" in body
    # a heading the screen reader can jump to, not colour alone
    assert '<h4 class="h6 mb-1" id="stop-rules-EX-A04">' in body


def test_it_shows_the_whole_dose_and_the_stop_rules_first_on_the_print_view(therapist_client, plan):
    body = text_of(therapist_client.get(reverse("exercises:plan_print", args=[plan.public_id])))
    assert_whole_doses_and_stop_rules_first(body, plan.current_version.items)
    assert body.count(STOP_HEADING) == len(CODES)


def test_it_shows_an_old_version_once_without_the_note_twice(client, plan):
    # a version frozen before the note had its own line: no structured dose, note as the line
    items = plan.current_version.items
    items[0] |= {"dose_text": "Over 3 to 6 weeks, one change a week.", "dose": {}}
    items[0]["dose_note"] = items[0]["dose_text"]
    for item in items:
        item.pop("each_side")
    PlanVersion.objects.filter(pk=plan.current_version.pk).update(items=items)
    client.force_login(plan.patient.user)
    with time_machine.travel(NOW, tick=False):
        body = text_of(client.get(reverse("portal:home")))
    assert body.count("Over 3 to 6 weeks, one change a week.") == 1


def test_it_emails_the_whole_dose_in_the_reminder(plan):
    schedule = ReminderSchedule.objects.get(source="exercise_plan", subject_id=plan.pk)
    schedule.times = ["13:00"]
    schedule.save()
    reschedule(schedule, after=NOW - dt.timedelta(minutes=1))
    assert reminders_dispatch(now=NOW).sent == 1
    [email] = mail.outbox
    text, page = email.body, html.unescape(email.alternatives[0][0])
    for item in plan.current_version.items:
        line = f"{item['name']}: {item['dose_text']}"
        line += f". {item['dose_note']}" if item["dose_note"] else ""
        assert line in text
        assert line in page.replace("</strong>", "")
    assert "3 sets of 6 · once a day · 3 days a week. Never two days in a row" in text


def test_it_shows_the_whole_dose_in_the_plan_editor(therapist_client, plan):
    from exercises.services import plan_item_add

    plan_item_add(plan=plan, exercise=library("EX-A05")[0])
    body = text_of(therapist_client.get(reverse("exercises:plan_detail", args=[plan.public_id])))
    assert "3 sets of 4 · once a day · 2 days a week" in body
    assert "Every third day: two rest days between sessions." in body
    assert "3 sets of 8 each side · once a day · 2 days a week" in body


def test_it_shows_the_default_dose_and_note_on_the_library_page(therapist_client):
    nordic = library("EX-A07")[0]
    body = text_of(
        therapist_client.get(reverse("exercises:exercise_detail", args=[nordic.public_id]))
    )
    assert "2 sets of 5 · once a day · 1 day a week" in body
    assert "build up to 3 sets (12, then 10, then 8) 2 to 3 times a week" in body
