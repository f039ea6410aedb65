"""The patient page's body is drawn by one tag (`{% patient_page %}`): it gives the markup the
page's template gave with its ten tags and five `if`s, whatever the page holds (no episode,
episodes with and without entries, activity outside any episode, markup in names and titles,
a clinician or reception)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.template import Context, Template
from django.utils.safestring import mark_safe

from clinic.filters import FilterText
from clinic.panels import Panel, TimelineEntry
from patients.models import Episode, Patient

pytestmark = pytest.mark.django_db

MARKUP = '<b>O\'Neil & "Sons"</b>'

#: The content block of templates/patients/patient_detail.html before the tag drew it.
OLD_BODY = Template(
    "{% load clinic_tags patient_facts timeline_tags %}"
    "{% patient_header patient page.text %}\n"
    "\n"
    '<div class="row g-3">\n'
    '  <div class="col-12 col-lg-4">\n'
    '    <section class="card mb-3" aria-labelledby="contact-heading">\n'
    '      <div class="card-body">\n'
    '        <h2 class="h5" id="contact-heading">Contact</h2>\n'
    '        <dl class="row mb-0 patient-facts">\n'
    "          {% contact_facts patient %}\n"
    "        </dl>\n"
    "      </div>\n"
    "    </section>\n"
    '    <section class="card mb-3" aria-labelledby="runner-heading">\n'
    '      <div class="card-body">\n'
    '        <h2 class="h5" id="runner-heading">Running</h2>\n'
    '        <dl class="row mb-0 patient-facts">\n'
    "          {% runner_facts patient page.text %}\n"
    "        </dl>\n"
    "      </div>\n"
    "    </section>\n"
    "    {% render_panels page.panels %}\n"
    "  </div>\n"
    "\n"
    '  <div class="col-12 col-lg-8">\n'
    '    <section aria-labelledby="episodes-heading">\n'
    '      <div class="d-flex flex-wrap justify-content-between align-items-center gap-2 mb-2">\n'
    '        <h2 class="h5 mb-0" id="episodes-heading">Episodes: {{ page.episode_rows|length }}</h2>\n'
    '        {% if clinical %}<a class="btn btn-sm btn-outline-primary" href="{% uuid_url \'patients:episode_create\' patient.public_id %}">New episode</a>{% endif %}\n'
    "      </div>\n"
    "      {% if page.episode_rows %}\n"
    '        <p class="text-body-secondary small">\n'
    "          {% episode_summary page.episode_rows page.text %}\n"
    "        </p>\n"
    "      {% endif %}\n"
    "      {% if page.episode_rows %}{% episode_cards page.episode_rows clinical page.text patient %}{% else %}\n"
    '        <p class="text-body-secondary">No episodes yet.</p>\n'
    "      {% endif %}\n"
    "      {% if page.other_entries %}\n"
    '        <h2 class="h5 mt-4">Other activity</h2>\n'
    '        <ol class="list-group timeline">\n'
    "          {% timeline_items page.other_entries page.text %}\n"
    "        </ol>\n"
    "      {% endif %}\n"
    "    </section>\n"
    "  </div>\n"
    "</div>"
)
NEW_BODY = Template("{% load patient_page %}{% patient_page patient page clinical %}")


def _patient():
    return Patient(
        first_name=MARKUP,
        last_name="Lowe",
        date_of_birth=dt.date(1984, 2, 29),
        sex=Patient._meta.get_field("sex").choices[0][0],
        email="ann@runners.example",
        time_zone="Europe/London",
        goal_event=MARKUP,
        goal_date=dt.date(2027, 4, 25),
        weekly_km=32,
        public_id=uuid.uuid4(),
    )


def _entry(title: str, day: int, url="") -> TimelineEntry:
    when = dt.datetime(2026, 11, day, 9, 30, tzinfo=dt.UTC)
    return TimelineEntry(when=when, kind="note", title=title, url=url, detail=MARKUP)


def _page(*, episodes: bool, others: bool) -> dict:
    rows = []
    if episodes:
        open_one = Episode(pk=2, number=2, public_id=uuid.uuid4(), started_on=dt.date(2026, 9, 1))
        closed = Episode(
            pk=1,
            number=1,
            public_id=uuid.uuid4(),
            started_on=dt.date(2025, 3, 1),
            status=Episode.Status.DISCHARGED,
            discharged_on=dt.date(2025, 6, 30),
        )
        rows = [(open_one, [_entry(MARKUP, 3, "/a?b=1&c=2"), _entry("Seen", 2)]), (closed, [])]
    return {
        "episode_rows": rows,
        "other_entries": [_entry(MARKUP, 5, url="/x")] if others else [],
        "panels": [
            Panel(draw=lambda values, token: mark_safe(f"<p>{token}</p>\n")),  # noqa: S308
            Panel(draw=lambda values, token: MARKUP),  # not marked safe: escaped
        ],
        "text": FilterText(),
    }


@pytest.mark.parametrize("clinical", [True, False])
@pytest.mark.parametrize("episodes", [True, False])
@pytest.mark.parametrize("others", [True, False])
@pytest.mark.parametrize("roles", [set(), {"manager"}], ids=["staff", "manager"])
def test_it_draws_the_body_as_the_template_did(clinical, episodes, others, roles):
    values = {
        "patient": _patient(),
        "page": _page(episodes=episodes, others=others),
        "clinical": clinical,
        "csrf_token": "token",
        "user_roles": roles,
    }
    drawn = NEW_BODY.render(Context(values))
    assert drawn == OLD_BODY.render(Context(values))
    assert ("No episodes yet." in drawn) is not episodes
    assert ("Other activity" in drawn) is others
    assert ("New episode" in drawn) is clinical
    assert MARKUP not in drawn
