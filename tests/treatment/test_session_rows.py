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
