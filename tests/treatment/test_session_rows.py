"""The signed note's re-test table and treatment list, drawn in Python
(treatment/templatetags/session_rows.py), draw exactly what the template loops they replaced
drew, with typed text kept as text."""

import datetime as dt
import itertools
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils import timezone

from treatment.models import TreatmentGiven

CHANGES_LOOP = (
    '{% for row in changes %}<tr><th scope="row" class="fw-normal">{{ row.label }}</th>'
    "<td>{{ row.before }}</td><td>{{ row.after }}</td>"
    '<td data-change="{{ row.name }}">{{ row.change }}</td></tr>'
    '{% empty %}<tr><td colspan="4">No re-tests recorded.</td></tr>{% endfor %}'
)
TREATMENTS_LOOP = """{% for item in treatments %}
      <li>{{ item.get_kind_display }}{% if item.technique %}: {{ item.get_technique_display|lower }}{% endif %}{% if item.level %} at {{ item.get_level_display }}{% endif %}{% if item.grade %}, grade {{ item.grade_roman }}{% endif %}{% if item.body_position %}, {{ item.get_body_position_display|lower }}{% endif %}{% if item.repetitions %}, {{ item.repetitions }} repetitions{% endif %}{% if item.note %}. {{ item.note }}{% endif %}</li>
    {% empty %}<li>None recorded.</li>{% endfor %}"""


def _both(loop: str, tag: str, **context) -> tuple[str, str]:
    drawn = Template("{% load session_rows %}" + tag).render(Context(context))
    return drawn, Template(loop).render(Context(context))


def test_it_draws_the_re_tests_as_the_loop_did():
    rows = [
        {
            "name": "slr_test",
            "label": "SLR <test>",
            "before": 'Positive & "left"',
            "after": "Not done",
            "change": "",
        },
        {
            "name": "h_test",
            "label": "H-test",
            "before": "12",
            "after": "'8'",
            "change": "Better <b>",
        },
    ]
    for changes in (rows, rows[:1], []):
        drawn, looped = _both(CHANGES_LOOP, "{% change_rows changes %}", changes=changes)
        assert drawn == looped
    assert "SLR &lt;test&gt;" in _both(CHANGES_LOOP, "{% change_rows changes %}", changes=rows)[0]


def test_it_draws_every_kind_of_treatment_as_the_loop_did():
    items = [
        TreatmentGiven(
            kind=kind,
            technique=technique,
            level=level,
            grade=grade,
            body_position=position,
            repetitions=repetitions,
            note=note,
        )
        for kind, technique, level, grade, position, repetitions, note in itertools.product(
            ("neural_mobilisation", "lumbar_mobilisation"),
            ("", "slider", "rotation"),
            ("", "L4"),
            (None, 3),
            ("", "slump_sitting"),
            (None, 15),
            ("", 'Felt <better> & "easier"'),
        )
    ]
    for treatments in (items, items[:1], []):
        drawn, looped = _both(
            TREATMENTS_LOOP, "{% treatment_items treatments %}", treatments=treatments
        )
        assert drawn == looped
    assert (
        "&lt;better&gt;"
        in _both(TREATMENTS_LOOP, "{% treatment_items treatments %}", treatments=items)[0]
    )


# What treatment/includes/since.html drew before the card was drawn in one step.
SINCE_INCLUDE = (Path(__file__).parent / "data" / "since_include.html").read_text()


def _since(**changes):
    since = {
        "from": dt.date(2026, 3, 29),
        "to": dt.date(2026, 10, 25),
        "previous_visit": True,
        "logs": 12,
        "exercises_done_percent": 87,
        "pain_during_average": 3.3,
        "pain_during_worst": 6,
        "pain_after_average": 2.25,
        "pain_after_worst": 5,
        "next_morning_answers": 4,
        "worse_next_morning": 1,
        "lasting_pins_and_needles": 2,
        "urgent_symptoms": [{"date": dt.date(2026, 5, 2), "text": 'Numb <saddle> & "legs"'}],
        "comments": [
            {"date": dt.date(2026, 6, 1), "text": "Felt 'better' <b>"},
            {"date": dt.date(2026, 6, 3), "text": "Sore"},
        ],
    }
    return since | changes


@pytest.mark.parametrize(
    "since",
    [
        _since(),
        _since(previous_visit=False, exercises_done_percent=None, comments=[], urgent_symptoms=[]),
        _since(logs=1, next_morning_answers=1, lasting_pins_and_needles=1),
        _since(next_morning_answers=0, lasting_pins_and_needles=0, pain_during_average=1e-05),
        _since(pain_during_average=0.1 + 0.2, pain_after_average=10.0, pain_during_worst=None),
        _since(pain_during_average=None, pain_after_average=None),
        _since(logs=0),
        {},
        None,
    ],
)
@pytest.mark.parametrize("signed", [True, False])
def test_it_draws_the_since_card_as_the_include_did(since, signed):
    session = SimpleNamespace(is_signed=signed)
    for zone in ("Europe/London", "Pacific/Auckland"):
        with timezone.override(zone):
            drawn = Template("{% load session_rows %}{% since_summary since signed %}").render(
                Context({"since": since, "signed": signed})
            )
            looped = Template(SINCE_INCLUDE).render(Context({"since": since, "session": session}))
            assert drawn == looped
    if since and since.get("logs") and since.get("comments"):
        assert "Felt &#x27;better&#x27; &lt;b&gt;" in drawn


# What the note's template drew before its heading and a signed note's plan were tags.
HEADING_TEXT = """<h1 class="h3 mb-1">Session note <span class="badge {% if session.is_signed %}text-bg-primary{% else %}text-bg-warning{% endif %}" data-session-status>{{ session.get_status_display }}</span></h1>
<p class="text-body-secondary mb-1">{{ appointment.appointment_type.name }}, {{ appointment.start|date:"l j F Y, H:i" }} &middot; version {{ session.version }} &middot; {{ session.therapist }}{% if session.signed_at %} &middot; signed {{ session.signed_at|date:"j M Y H:i" }} by {{ session.signed_by }}{% endif %}</p>"""
PLAN_TEXT = """<p class="mb-1">{{ session.plan_changes|default:"No change to the home plan."|linebreaksbr }}</p>
    <p class="small mb-1"><a href="{% url 'exercises:episode_plans' episode.public_id %}">Open the exercise plan</a></p>
    <p class="mb-0">Review: {% if session.review_on %}{{ session.review_on|date:"j M Y" }}{% endif %}{% if session.review_interval_weeks %}{% if session.review_on %}, {% endif %}in {{ session.review_interval_weeks }} week{{ session.review_interval_weeks|pluralize }}{% endif %}{% if not session.review_on and not session.review_interval_weeks %}not set{% endif %}</p>"""


@pytest.mark.parametrize("signed_at", [None, dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC)])
@pytest.mark.parametrize("signed_by", [None, "Dr <Ann> O'Neil"])
@pytest.mark.parametrize("status", [("draft", "Draft", False), ("signed", "Signed", True)])
def test_it_draws_the_heading_as_the_template_did(signed_at, signed_by, status):
    value, label, is_signed = status
    session = SimpleNamespace(
        is_signed=is_signed,
        status=value,
        get_status_display=lambda: label,
        version=12,
        therapist="Sam & <Jo>",
        signed_at=signed_at,
        signed_by=signed_by,
    )
    # Times on the days the clocks change in London (29 March) and in Auckland (5 April).
    starts = (
        dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC),
        dt.datetime(2026, 4, 4, 13, 59, tzinfo=dt.UTC),
    )
    for start in starts:
        appointment = SimpleNamespace(
            appointment_type=SimpleNamespace(name='Follow-up "long"'), start=start
        )
        for zone in ("Europe/London", "Pacific/Auckland"):
            with timezone.override(zone):
                context = {"session": session, "appointment": appointment}
                drawn, looped = _both(
                    HEADING_TEXT, "{% session_heading session appointment %}", **context
                )
                assert drawn == looped
    assert "Sam &amp; &lt;Jo&gt;" in drawn


@pytest.mark.parametrize("review_on", [None, dt.date(2026, 12, 1)])
@pytest.mark.parametrize("weeks", [None, 1, 6])
@pytest.mark.parametrize("plan", ["", 'Hold <it>\nthen add & "more"\r\nlater'])
def test_it_draws_a_signed_plan_as_the_template_did(review_on, weeks, plan):
    session = SimpleNamespace(plan_changes=plan, review_on=review_on, review_interval_weeks=weeks)
    episode = SimpleNamespace(public_id="6f1c0f5e-8b1e-4a55-9a57-3e2b1f0c9d11")
    drawn, looped = _both(
        PLAN_TEXT, "{% signed_plan session episode %}", session=session, episode=episode
    )
    assert drawn == looped
    if plan:
        assert "Hold &lt;it&gt;<br>then add" in drawn
