"""The patient page's small panels are drawn in Python (`Panel.draw`): each gives the markup its
template gave for the same values, whatever they hold (nothing to list, several rows, markup
in a name or a diagnosis), so the page reads the same. The templates stay as the reference
(and, for comments, alerts and texts, as the drawing of a non-empty list)."""

from __future__ import annotations

import datetime as dt
import uuid
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.template.loader import get_template
from django.utils.safestring import mark_safe

from assessments.panels import draw_episode_course, draw_record_assessment
from bookings.panels import draw_upcoming
from clinic.templatetags.clinic_tags import render_panel
from exercises.panels import draw_alerts, draw_comments
from exercises.templatetags import adherence_tags
from notifications.panels import draw_reminders, draw_texts
from patients.models import Patient
from patients.templatetags.patient_facts import portal_access
from rehab.templatetags import rehab_panel_tags
from running.templatetags import running_rows
from treatment.panels import draw_sessions

pytestmark = pytest.mark.django_db

MARKUP = '<b>O\'Neil & "Sons"</b>'


def _template(name: str, values: dict) -> str:
    """What `{% render_panel %}` drew from the panel's template: its own context and the
    page's CSRF token."""
    return get_template(name).template.render(Context({**values, "csrf_token": "token"}))


def _patient(first_name="Ann"):
    return SimpleNamespace(first_name=first_name, public_id=uuid.uuid4(), user_id=None)


def _episode(number):
    return SimpleNamespace(number=number, public_id=uuid.uuid4())


@pytest.mark.parametrize(
    "rows", ["", mark_safe('<li class="x">one</li>\n<li>two</li>')], ids=["none", "two"]
)
def test_session_notes_drawn_as_the_template_drew_them(rows):
    values = {"visit_rows": rows}
    assert draw_sessions(values, "token") == _template(
        "treatment/panels/patient_sessions.html", values
    )


@pytest.mark.parametrize("upcoming", [False, True])
def test_next_appointments_drawn_as_the_template_drew_them(upcoming):
    values = {
        "patient": _patient(),
        "upcoming": upcoming,
        "upcoming_rows": mark_safe("<li>Mon 7 Dec</li>") if upcoming else "",
    }
    drawn = draw_upcoming(values, "token")
    assert drawn == _template("bookings/panels/patient_upcoming.html", values)
    assert ("Nothing booked." in drawn) is not upcoming
    assert f"?patient={values['patient'].public_id}" in drawn


@pytest.mark.parametrize("count", [0, 1, 3])
def test_reminders_drawn_as_the_template_drew_them(count):
    statuses = ["sent", "skipped", "failed"]
    deliveries = [
        {
            "local_date": dt.date(2026, 12, 1 + index),
            "slot": dt.time(8 + index, 30),
            "status": statuses[index],
            "reason": MARKUP if index else "",
        }
        for index in range(count)
    ]
    values = {"patient": _patient(), "deliveries": deliveries}
    drawn = draw_reminders(values, "token")
    assert drawn == _template("notifications/panels/patient_reminders.html", values)
    assert MARKUP not in drawn


@pytest.mark.parametrize("count", [0, 1, 2])
def test_record_an_assessment_drawn_as_the_template_drew_it(count):
    values = {"patient": _patient(), "episodes": [_episode(n) for n in range(1, count + 1)]}
    drawn = draw_record_assessment(values, "token")
    assert drawn == _template("assessments/panels/record_assessment.html", values)
    assert drawn.count("Record intake") == count


def test_working_diagnosis_and_trends_drawn_as_the_template_drew_them():
    working = SimpleNamespace(label=MARKUP, deciding_test_text="Lachman <positive>")
    for rows in ([], [(_episode(2), working), (_episode(1), None)], [(_episode(1), None)]):
        values = {"rows": rows}
        drawn = draw_episode_course(values, "token")
        assert drawn == _template("assessments/panels/episode_course.html", values)
        assert MARKUP not in drawn


@pytest.mark.parametrize("first_name", ["Ann", MARKUP, ""])
def test_empty_comments_and_texts_drawn_as_the_templates_drew_them(first_name):
    values = {"patient": _patient(first_name), "comments": [], "texts": []}
    assert draw_comments(values, "token") == _template(
        "exercises/panels/patient_comments.html", values
    )
    assert draw_texts(values, "token") == _template(
        "notifications/panels/patient_texts.html", values
    )


def test_alerts_drawn_as_the_template_drew_them_empty_or_not():
    empty = {"patient": _patient(), "acknowledged": []}
    assert draw_alerts(empty, "token") == _template("exercises/panels/patient_alerts.html", empty)
    ack = SimpleNamespace(
        kind="pain_up",
        get_kind_display=lambda: "Pain going up",
        period=dt.date(2026, 11, 30),
        acknowledged_by="Tess Therapist",
        acknowledged_at=dt.datetime(2026, 12, 1, 9, 15, tzinfo=dt.UTC),
        note=MARKUP,
    )
    listed = {"patient": _patient(), "acknowledged": [ack]}
    drawn = draw_alerts(listed, "token")
    assert drawn == _template("exercises/panels/patient_alerts.html", listed)
    assert "Pain going up" in drawn
    assert MARKUP not in drawn


def test_render_panel_puts_a_drawn_panel_in_the_page_as_it_is():
    values = {"patient": _patient(), "episodes": [_episode(1)]}
    panel = SimpleNamespace(draw=draw_record_assessment, values=lambda: values)
    context = Context({"csrf_token": "token"})
    assert render_panel(context, panel) == _template(
        "assessments/panels/record_assessment.html", values
    )


def _rehab_status(number):
    return SimpleNamespace(
        episode=SimpleNamespace(number=number, public_id=uuid.uuid4()),
        stage=None,
        position="",
        decision=None,
        results=[],
        next_stage=None,
        message="No <confirmed> diagnosis yet.",
    )


@pytest.mark.parametrize("consents", [(), (False,), (True, False)], ids=["none", "one", "two"])
def test_rehab_panel_drawn_as_the_template_drew_it(consents):
    summaries = [
        SimpleNamespace(
            episode=SimpleNamespace(number=index + 1),
            public_id=uuid.uuid4(),
            gp_letter_consent=consent,
        )
        for index, consent in enumerate(consents)
    ]
    for rows in ([], [{"status": _rehab_status(3), "previous": None}]):
        values = {"patient": _patient(), "rows": rows, "summaries": summaries}
        drawn = rehab_panel_tags.draw_panel(values, "token")
        assert drawn == _template("rehab/panels/patient_rehab.html", values)
        assert drawn.count("GP letter") == sum(consents)


@pytest.mark.parametrize("episodes", [0, 1, 2])
def test_running_panel_drawn_as_the_template_drew_it_without_a_programme(episodes):
    values = {
        "patient": _patient(),
        "episodes": [_NamedEpisode(n) for n in range(1, episodes + 1)],
        "programmes": [],
        "current": None,
        "runs": [],
        "decisions": [],
    }
    drawn = running_rows.draw_panel(values, "token")
    assert drawn == _template("running/panels/patient_programme.html", values)
    assert drawn.count("Running for Episode") == episodes


class _NamedEpisode(SimpleNamespace):
    def __init__(self, number):
        super().__init__(number=number, public_id=uuid.uuid4())

    def __str__(self):
        return f"Episode {self.number} <knee & hip>"


class _Login(SimpleNamespace):
    pass


@pytest.mark.parametrize(
    ("login", "user_id"),
    [(None, None), (None, 7), (_Login(email="ann+<x>@example.org"), 7)],
    ids=["never invited", "invited", "signed in"],
)
def test_plans_panel_and_portal_access_drawn_as_the_templates_drew_them(login, user_id):
    patient = _patient()
    patient.portal_login = login
    patient.user_id = user_id
    values = {"patient": patient, "episodes": [_NamedEpisode(1)], "plans": []}
    drawn = adherence_tags.draw_panel(values, "token")
    assert drawn == _template("exercises/panels/patient_plans.html", values)
    assert "knee &amp; hip" in drawn
    for small in (False, True):
        include = get_template("patients/includes/portal_access.html").template
        assert portal_access(patient, small=small) == include.render(
            Context({"patient": patient, "small": small})
        )


#: The heading block `{% patient_header %}` replaced in templates/patients/patient_detail.html.
OLD_HEADER = Template(
    "{% load clinic_tags %}"
    '<div class="d-flex flex-wrap justify-content-between align-items-start gap-2 mb-3">\n'
    "  <div>\n"
    '    <h1 class="h3 mb-1">{{ patient.full_name }}{% if patient.is_archived %} <span class="badge text-bg-secondary">Archived</span>{% endif %}</h1>\n'
    '    <p class="text-body-secondary mb-0">Born {{ patient.date_of_birth|date:"j M Y" }} (age {{ patient.age }}) &middot; {{ patient.get_sex_display }}</p>\n'
    "  </div>\n"
    '  <div class="d-flex flex-wrap gap-2">\n'
    '    <a class="btn btn-outline-primary" href="{% uuid_url \'patients:edit\' patient.public_id %}">Edit details</a>\n'
    "    {% if patient.is_archived %}\n"
    '      <form method="post" action="{% uuid_url \'patients:restore\' patient.public_id %}">{% csrf_token %}<button class="btn btn-outline-secondary" type="submit">Restore</button></form>\n'
    "    {% else %}\n"
    '      <form method="post" action="{% uuid_url \'patients:archive\' patient.public_id %}">{% csrf_token %}<button class="btn btn-outline-secondary" type="submit">Archive</button></form>\n'
    "    {% endif %}\n"
    '    {% if "manager" in user_roles %}<a class="btn btn-outline-danger" href="{% uuid_url \'patients:privacy\' patient.public_id %}">Privacy: export or erase</a>{% endif %}\n'
    "  </div>\n"
    "</div>"
)


def _header_patient(*, archived, first_name="Ann"):
    patient = Patient(
        first_name=first_name,
        last_name="Lowe",
        date_of_birth=dt.date(1984, 2, 29),
        sex=Patient._meta.get_field("sex").choices[0][0],
        public_id=uuid.uuid4(),
    )
    patient.archived_at = dt.datetime(2026, 11, 1, tzinfo=dt.UTC) if archived else None
    return patient


@pytest.mark.parametrize("archived", [False, True])
@pytest.mark.parametrize("roles", [set(), {"manager", "therapist"}], ids=["staff", "manager"])
@pytest.mark.parametrize("token", ["abc123", "", "NOTPROVIDED"])
def test_patient_header_drawn_as_the_template_drew_it(archived, roles, token):
    patient = _header_patient(archived=archived, first_name=MARKUP)
    values = {"patient": patient, "user_roles": roles, "csrf_token": token}
    drawn = Template("{% load patient_facts %}{% patient_header patient %}").render(Context(values))
    assert drawn == OLD_HEADER.render(Context(values))
    assert ("Restore" in drawn) is archived
    assert ("Privacy: export or erase" in drawn) is ("manager" in roles)
    assert MARKUP not in drawn
