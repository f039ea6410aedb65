"""The patient page's timeline: each entry's day where the clinic is, its link and detail, and
what a clinician writes shown as text, never as markup."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.template import engines
from django.urls import reverse
from django.utils import timezone, translation

from clinic.panels import TimelineEntry
from patients.services import episode_open
from patients.templatetags.timeline_tags import day_label
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    "when",
    [
        dt.date(2026, 3, 29),
        # Just before the clocks go forward (01:00 UTC on 29 March 2026): still GMT.
        dt.datetime(2026, 3, 28, 23, 30, tzinfo=dt.UTC),
        # The evening before they go back (25 October 2026): summer time, already the 25th.
        dt.datetime(2026, 10, 24, 23, 30, tzinfo=dt.UTC),
        dt.datetime(2026, 12, 31, 23, 59, tzinfo=dt.UTC),
    ],
)
def test_it_writes_each_day_as_the_date_filter_does(when):
    with timezone.override(LONDON):
        expected = engines["django"].from_string('{{ when|date:"j M Y" }}').render({"when": when})
        assert day_label(when) == expected


@pytest.mark.parametrize("language", ["en-gb", "en", "fr"])
def test_it_writes_every_day_of_a_decade_as_the_date_filter_does(language):
    template = engines["django"].from_string('{{ when|date:"j M Y" }}')
    day = dt.date(2020, 1, 1)
    with timezone.override(LONDON), translation.override(language):
        while day.year < 2031:
            moment = dt.datetime.combine(day, dt.time(23, 30), tzinfo=dt.UTC)
            for when in (day, moment, moment.replace(tzinfo=None)):
                assert day_label(when) == template.render({"when": when})
            day += dt.timedelta(days=1)


def test_it_shows_a_summer_evening_appointment_on_the_day_it_is_in_london():
    assert day_label(dt.datetime(2026, 7, 1, 23, 30, tzinfo=dt.UTC)) == "2 Jul 2026"


def test_it_escapes_what_it_shows():
    html = (
        engines["django"]
        .from_string("{% load timeline_tags %}{% timeline_items entries %}")
        .render(
            {
                "entries": [
                    TimelineEntry(
                        when=dt.date(2026, 5, 4),
                        kind="note",
                        title="<script>alert(1)</script>",
                        url="/x/?a=1&b=2",
                        detail="Pain <5",
                    )
                ]
            }
        )
    )
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="/x/?a=1&amp;b=2"' in html
    assert "Pain &lt;5" in html
    assert '<time class="text-body-secondary small">4 May 2026</time>' in html


def test_it_lists_each_episodes_entries_on_the_patient_page(therapist_client):
    patient = PatientFactory()
    episode_open(patient=patient, side="left", started_on=dt.date(2026, 1, 5))
    page = therapist_client.get(reverse("patients:detail", args=[patient.public_id]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Episode 1 began (left)" in html
    assert '<time class="text-body-secondary small">5 Jan 2026</time>' in html
    assert "Nothing recorded yet." not in html
