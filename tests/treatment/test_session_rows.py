"""The signed note's re-test table and treatment list, drawn in Python
(treatment/templatetags/session_rows.py), draw exactly what the template loops they replaced
drew, with typed text kept as text."""

import itertools

from django.template import Context, Template

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
