"""The patient page's lists drawn in one step in Python give the markup the template loops
they replaced gave, row by row, whatever a row holds (text with markup, an empty name, a day
either side of a clock change, each state)."""

from __future__ import annotations

import datetime as dt
import uuid
from types import SimpleNamespace

import pytest
from django.template import Context, Template

from bookings.panels import upcoming_rows_html
from clinic.filters import FilterText
from notifications.templatetags.reminder_tags import reminder_rows
from rehab.criteria import CriterionResult
from rehab.templatetags.criteria_tags import criteria_items, criteria_rows
from treatment.panels import visit_rows_html

pytestmark = pytest.mark.django_db

# The loops as they stood in the panels' templates before (stop 28).
UPCOMING_LOOP = Template(
    "{% for item in upcoming %}\n"
    '      <li><a href="{% url \'bookings:detail\' item.public_id %}">{{ item.start|date:"D j M" }}, '
    '{{ item.start|time:"H:i" }}</a> &middot; {{ item.appointment_type.name }} with '
    "{{ item.therapist.get_full_name|default:item.therapist.email }}</li>\n"
    "      {% endfor %}"
)
VISITS_LOOP = Template(
    "{% for visit in visits %}{% with appointment=visit.appointment note=visit.note %}\n"
    '      <li class="mb-1 session-note-item">{{ appointment.start|date:"j M Y" }}, '
    "{{ appointment.appointment_type.name|lower }}:\n"
    "        {% if clinical %}<a href=\"{% url 'treatment:open' appointment.public_id %}\">"
    "{% if note %}Session note{% else %}Start the session note{% endif %}</a>"
    "{% else %}Session note{% endif %}\n"
    '        {% if note %}<span class="badge {% if note.signed %}text-bg-primary{% else %}'
    'text-bg-warning{% endif %}">{% if note.signed %}Signed{% else %}Draft{% endif %}</span>'
    "{% endif %}\n"
    "      </li>\n"
    "    {% endwith %}{% endfor %}"
)
REMINDERS_LOOP = Template(
    "{% for delivery in deliveries %}\n"
    '      <li>{{ delivery.local_date|date:"j M" }} {{ delivery.slot|time:"H:i" }}\n'
    '        <span class="badge reminder-status reminder-status-{{ delivery.status }}">'
    "{{ delivery.label }}</span>\n\n"
    '        {% if delivery.reason %}<span class="text-body-secondary small">'
    "{{ delivery.reason }}</span>{% endif %}</li>\n"
    "      {% endfor %}"
)
CRITERIA_LOOP = Template(
    "{% for result in results %}\n"
    '  <li class="list-group-item px-0 rehab-criterion" data-status="{{ result.status }}">\n'
    '    <div class="d-flex flex-wrap justify-content-between gap-2">\n'
    "      <span>{{ result.label }}</span>\n"
    "      <span class=\"badge {% if result.status == 'met' %}text-bg-success{% elif "
    "result.status == 'not_met' %}text-bg-warning{% else %}text-bg-secondary{% endif %}\">"
    "{{ result.status_label }}</span>\n"
    "    </div>\n"
    '    {% if result.value or result.source %}<div class="small text-body-secondary">'
    '{{ result.value }}{% if result.on %} &middot; {{ result.on|date:"j M Y" }}{% endif %}'
    "{% if result.source %} &middot; {{ result.source }}{% endif %}</div>{% endif %}\n"
    "  </li>\n"
    "  {% endfor %}"
)

# Either side of the clinic's clock change (Europe/London, 29 March 2026), and late evening
# in UTC that is the next day in summer time.
STARTS = [
    dt.datetime(2026, 3, 28, 9, 15, tzinfo=dt.UTC),
    dt.datetime(2026, 3, 30, 9, 15, tzinfo=dt.UTC),
    dt.datetime(2026, 7, 1, 23, 30, tzinfo=dt.UTC),
]


def test_the_upcoming_appointments_are_drawn_as_the_loop_drew_them():
    rows = [
        {
            "public_id": uuid.uuid4(),
            "start": start,
            "appointment_type__name": kind,
            "therapist__first_name": first,
            "therapist__last_name": last,
            "therapist__email": "sam@example.org",
        }
        for start, kind, first, last in zip(
            STARTS,
            ["Follow-up", "Sports <massage> & rehab", "Initial assessment"],
            ["Alex", "", "Jo"],
            ["O'Neil", "", ""],
            strict=True,
        )
    ]
    items = [
        SimpleNamespace(
            public_id=row["public_id"],
            start=row["start"],
            appointment_type=SimpleNamespace(name=row["appointment_type__name"]),
            therapist=SimpleNamespace(
                get_full_name=f"{row['therapist__first_name']} {row['therapist__last_name']}".strip(),
                email=row["therapist__email"],
            ),
        )
        for row in rows
    ]
    drawn = upcoming_rows_html(rows)
    assert drawn == UPCOMING_LOOP.render(Context({"upcoming": items}))
    assert "Sports &lt;massage&gt; &amp; rehab with sam@example.org" in drawn
    assert "Thu 2 Jul, 00:30" in drawn  # the clinic's day and time, not UTC's


@pytest.mark.parametrize("clinical", [True, False])
def test_the_visits_are_drawn_as_the_loop_drew_them(clinical):
    visits = [
        {
            "public_id": uuid.uuid4(),
            "start": start,
            "appointment_type__name": kind,
            "note_id": note,
            "note_signed": signed,
        }
        for start, kind, note, signed in zip(
            STARTS,
            ["Follow-up", "Initial <b>Assessment</b>", "Follow-up"],
            [None, uuid.uuid4(), uuid.uuid4()],
            [False, False, True],
            strict=True,
        )
    ]
    loop_visits = [
        {
            "appointment": SimpleNamespace(
                public_id=visit["public_id"],
                start=visit["start"],
                appointment_type=SimpleNamespace(name=visit["appointment_type__name"]),
            ),
            "note": {"public_id": visit["note_id"], "signed": visit["note_signed"]}
            if visit["note_id"]
            else None,
        }
        for visit in visits
    ]
    drawn = visit_rows_html(visits, clinical=clinical)
    assert drawn == VISITS_LOOP.render(Context({"visits": loop_visits, "clinical": clinical}))
    assert "initial &lt;b&gt;assessment&lt;/b&gt;" in drawn
    assert ("Start the session note" in drawn) is clinical


def test_the_reminders_are_drawn_as_the_loop_drew_them():
    deliveries = [
        {"local_date": dt.date(2026, 3, 29), "slot": dt.time(7, 5), "status": "sent", "reason": ""},
        {
            "local_date": dt.date(2026, 12, 31),
            "slot": dt.time(18, 0),
            "status": "skipped",
            "reason": "Quiet hours <22:00-07:00> & no consent",
        },
        {
            "local_date": dt.date(2026, 1, 1),
            "slot": dt.time(0, 0),
            "status": "pending",
            "reason": "",
        },
    ]
    labels = {"sent": "Sent", "skipped": "Skipped", "pending": "Waiting to be sent"}
    drawn = reminder_rows(deliveries)
    loop = [{**delivery, "label": labels[delivery["status"]]} for delivery in deliveries]
    assert drawn == REMINDERS_LOOP.render(Context({"deliveries": loop}))
    assert "Waiting to be sent" in drawn
    assert "&lt;22:00-07:00&gt; &amp; no consent" in drawn


def test_the_criteria_are_drawn_as_the_loop_drew_them():
    results = [
        CriterionResult("a", "Pain <3 & steady", "", "met", "2/10", dt.date(2026, 3, 29), "Log"),
        CriterionResult("b", "Hop test", "", "not_met", "80 %", None, ""),
        CriterionResult("c", "Strength", "", "not_measured", "", None, "Not measured yet"),
        CriterionResult("d", "Slump", "", "not_measured"),
    ]
    drawn = criteria_rows(results)
    assert drawn == CRITERIA_LOOP.render(Context({"results": results}))
    assert drawn.count("text-bg-secondary") == 2
    assert "Pain &lt;3 &amp; steady" in drawn
    # The patient page's rehab panel draws them with `criteria_items`: the same markup.
    results.append(
        CriterionResult("e", "Odd", "", "met", "<1 & 2>", dt.date(2025, 1, 2), "A 's' \"q\"")
    )
    assert criteria_items(results, FilterText()) == criteria_rows(results)


EPISODES_LOOP = Template(
    "{% load clinic_tags timeline_tags %}"
    "          {% for episode, entries in rows %}Episode {{ episode.number }} from "
    '{{ episode.started_on|date:"M Y" }}{% if episode.discharged_on %} to '
    '{{ episode.discharged_on|date:"M Y" }}{% else %} (open){% endif %}'
    "{% if not forloop.last %}; {% endif %}{% endfor %}\n"
    "      {% for episode, entries in rows %}\n"
    '        <article class="card mb-3" aria-labelledby="episode-{{ episode.number }}">\n'
    '          <div class="card-header d-flex flex-wrap justify-content-between '
    'align-items-center gap-2">\n'
    '            <h3 class="h6 mb-0" id="episode-{{ episode.number }}">Episode '
    "{{ episode.number }}\n"
    '              <span class="badge {% if episode.is_open %}text-bg-success{% else %}'
    'text-bg-secondary{% endif %}">{{ episode.get_status_display }}</span>\n'
    "            </h3>\n"
    '            {% if clinical and episode.is_open %}<a class="btn btn-sm '
    "btn-outline-secondary\" href=\"{% uuid_url 'patients:episode_discharge' "
    'episode.public_id %}">Discharge</a>{% endif %}\n'
    "          </div>\n"
    '          <ol class="list-group list-group-flush timeline">\n'
    "            {% if entries %}{% timeline_items entries %}{% else %}\n"
    '              <li class="list-group-item text-body-secondary">Nothing recorded yet.</li>\n'
    "            {% endif %}\n"
    "          </ol>\n"
    "        </article>\n"
    "      {% endfor %}"
)
DRAWN_EPISODES = Template(
    "{% load timeline_tags %}          {% episode_summary rows %}\n"
    "      {% episode_cards rows clinical %}"
)


@pytest.mark.parametrize("clinical", [True, False])
def test_the_episodes_are_drawn_as_the_loop_drew_them(clinical):
    from clinic.panels import TimelineEntry
    from patients.models import Episode

    open_one = Episode(
        public_id=uuid.uuid4(), number=3, started_on=dt.date(2026, 3, 2), status="open"
    )
    closed = Episode(
        public_id=uuid.uuid4(),
        number=2,
        started_on=dt.date(2025, 11, 20),
        status="discharged",
        discharged_on=dt.date(2026, 1, 9),
    )
    quiet = Episode(public_id=uuid.uuid4(), number=1, started_on=dt.date(2024, 5, 1))
    entries = [
        TimelineEntry(when=STARTS[2], kind="appointment", title="Follow-up <with> Jo", url="/x/"),
        TimelineEntry(when=dt.date(2026, 3, 2), kind="episode", title="Episode 3 began"),
    ]
    rows = [(open_one, entries), (closed, entries[1:]), (quiet, [])]
    context = {"rows": rows, "clinical": clinical}
    drawn = DRAWN_EPISODES.render(Context(context))
    assert drawn == EPISODES_LOOP.render(Context(context))
    assert "Episode 3 from Mar 2026 (open); Episode 2 from Nov 2025 to Jan 2026" in drawn
    assert drawn.count("Nothing recorded yet.") == 1
    assert drawn.count(">Discharge</a>") == (2 if clinical else 0)  # the two open ones
    # The page hands its own FilterText to the summary and the cards: the same markup.
    with_text = Template(
        "{% load timeline_tags %}          {% episode_summary rows text %}\n"
        "      {% episode_cards rows clinical text %}"
    )
    assert with_text.render(Context({**context, "text": FilterText()})) == drawn


FACTS = Template(
    '{{ patient.phone.as_international|default:"&mdash;" }}|{{ patient.email|default:"&mdash;" }}|'
    "{{ patient.get_preferred_contact_display }}|{{ patient.time_zone }}|"
    '{{ patient.email_reminders_consent|yesno:"Agreed,Not agreed" }}|'
    "{% if patient.portal_login %}{{ patient.portal_login.email }}{% elif patient.user_id %}"
    "Invited, no password yet{% else %}None{% endif %}|"
    "{{ patient.get_runner_level_display }}|{% if patient.weekly_km is not None %}"
    "{{ patient.weekly_km }} km{% else %}&mdash;{% endif %}|"
    '{{ patient.get_main_terrain_display|default:"&mdash;" }}|{{ patient.goal_event|default:"&mdash;" }}'
    '{% if patient.goal_date %}, {{ patient.goal_date|date:"j M Y" }}{% endif %}'
)


def _facts(drawn: str) -> str:
    """The values of the facts' `<dd>`s, joined as FACTS joins them."""
    return "|".join(part.rsplit(">", 1)[1] for part in drawn.split("</dd>")[:-1] if "<dd" in part)


def test_the_facts_are_drawn_as_the_template_drew_them():
    from clinic.models import User
    from patients.models import Patient
    from patients.templatetags.patient_facts import contact_facts, runner_facts

    signed_up = User(pk=10**6, email="kim <k>@example.org", role="patient", is_active=True)
    signed_up.set_password("a long pass phrase")
    invited = User(pk=10**6 + 1, email="invited@example.org", role="patient", is_active=True)
    invited.set_unusable_password()
    patients = [
        Patient(
            first_name="Kim",
            phone="+447700900123",
            email="kim@example.org",
            email_reminders_consent=True,
            weekly_km=42,
            main_terrain="trail_hilly",
            goal_event="Trail <half> & more",
            goal_date=dt.date(2026, 10, 4),
            user=signed_up,
        ),
        Patient(first_name="Lee", phone="", email="", weekly_km=0, user=invited),
        Patient(first_name="Max", weekly_km=None),
    ]
    for patient in patients:
        drawn = f"{contact_facts(patient)}\n{runner_facts(patient)}"
        assert _facts(drawn) == FACTS.render(Context({"patient": patient}))
        # With the page's own FilterText (the view reads the zone and language once).
        assert runner_facts(patient, FilterText()) == runner_facts(patient)
    assert "kim &lt;k&gt;@example.org" in contact_facts(patients[0])
    assert "Invited, no password yet" in contact_facts(patients[1])
    assert "0 km" in runner_facts(patients[1])


@pytest.mark.parametrize(
    "value", ["+447700900123", "07700 900123", "+44 20 7946 0000", "not a number", "+1", "", None]
)
def test_the_phone_is_drawn_as_its_truth_test_and_international_form_drew_it(value):
    """The contact facts skip the PhoneNumber truth test (a validation and a formatting): the
    text must be what `phone.as_international if phone else ""` gave, for a valid number, one
    typed in the national form, an invalid one, rubbish kept as typed and no number at all."""
    from patients.models import Patient
    from patients.templatetags.patient_facts import _phone_text

    patient = Patient(first_name="Kim", phone=value)
    expected = patient.phone.as_international if patient.phone else ""
    assert _phone_text(patient.phone) == expected
    if value == "+447700900123":
        assert expected == "+44 7700 900123"
