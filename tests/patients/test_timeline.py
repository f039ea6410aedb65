"""The patient page's timeline: each entry's day where the clinic is, its link and detail, and
what a clinician writes shown as text, never as markup."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.template import engines
from django.urls import reverse
from django.utils import timezone

from clinic.panels import TimelineEntry
from patients.services import episode_open
from tests.patients.factories import PatientFactory

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


def _timeline(*whens) -> str:
    entries = [TimelineEntry(when=when, kind="note", title="Note", url="") for when in whens]
    return (
        engines["django"]
        .from_string("{% load timeline_tags %}{% timeline_items entries %}")
        .render({"entries": entries})
    )


@pytest.mark.parametrize(
    ("when", "day"),
    [
        (dt.date(2026, 3, 29), "29 Mar 2026"),
        # Just before the clocks go forward (01:00 UTC on 29 March 2026): still GMT.
        (dt.datetime(2026, 3, 28, 23, 30, tzinfo=dt.UTC), "28 Mar 2026"),
        # The evening before they go back (25 October 2026): summer time, already the 25th.
        (dt.datetime(2026, 10, 24, 23, 30, tzinfo=dt.UTC), "25 Oct 2026"),
        # A summer evening appointment in London is on the next day there.
        (dt.datetime(2026, 7, 1, 23, 30, tzinfo=dt.UTC), "2 Jul 2026"),
        (dt.datetime(2026, 12, 31, 23, 59, tzinfo=dt.UTC), "31 Dec 2026"),
    ],
)
def test_it_shows_each_entry_on_its_day_in_london(when, day):
    with timezone.override(LONDON):
        assert f'<time class="text-body-secondary small">{day}</time>' in _timeline(when)


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
