"""Alerts are named in words on every page, also for screen readers: never by their code."""

import datetime as dt
import re
from html.parser import HTMLParser

import pytest
import time_machine
from django.urls import reverse

from exercises.models import AlertAcknowledgement
from exercises.services import session_log_save
from tests.exercises.factories import log, published_plan

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)
START = NOW.date() - dt.timedelta(days=28)


class _Text(HTMLParser):
    """The text a screen reader reads: every text node, visually hidden or not."""

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def read_aloud(content: bytes) -> str:
    reader = _Text()
    reader.feed(content.decode())
    return re.sub(r"\s+", " ", " ".join(reader.parts))


@pytest.fixture
def plan(therapist):
    with time_machine.travel(NOW, tick=False):
        plan = published_plan(therapist=therapist, start_date=START)
        log(plan, START, pain=1)
        # Three sessions at 5 or more in a week, the last at 8, worse the next morning twice.
        log(plan, START + dt.timedelta(days=17), pain=5)
        log(plan, START + dt.timedelta(days=18), pain=6, worse_next_morning=True)
        log(plan, START + dt.timedelta(days=19), pain=8, worse_next_morning=True)
        log(plan, START + dt.timedelta(days=21), pain=5)
        session_log_save(
            patient=plan.patient,
            plan=plan,
            date=START + dt.timedelta(days=20),
            done=[],
            pain_during=1,
            pain_after=1,
            difficulty="easy",
            lasting_pins_needles=True,
            new_symptoms=["hot_calf"],
        )
    return plan


@pytest.mark.parametrize("page", ["clinic:dashboard", "exercises:plan_detail"])
def test_it_never_reads_out_an_alert_code(therapist_client, plan, page):
    args = [] if page == "clinic:dashboard" else [plan.public_id]
    with time_machine.travel(NOW, tick=False):
        text = read_aloud(therapist_client.get(reverse(page, args=args)).content)
    assert "Acknowledge" in text
    for kind in AlertAcknowledgement.Kind:
        assert kind.value not in text


def test_it_names_each_alert_in_the_acknowledge_button_of_the_dashboard(therapist_client, plan):
    with time_machine.travel(NOW, tick=False):
        text = read_aloud(therapist_client.get(reverse("clinic:dashboard")).content)
    for kind in AlertAcknowledgement.Kind:
        assert f"Acknowledge {kind.label.lower()} alert for {plan.patient}" in text
