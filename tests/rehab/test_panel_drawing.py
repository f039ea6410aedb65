"""The patient page's rehab panel draws each open episode in one step (`rehab_episodes`): the
same markup the template loop drew, whatever the episode holds (a stage or none, a last stage,
a recurrence with and without stages, care, a stall or unmet criteria), and what a clinician
typed shows as text."""

from __future__ import annotations

import datetime as dt
import uuid
from types import SimpleNamespace

import pytest
from django.template import Context, Template

from rehab.criteria import MET, NOT_MEASURED, NOT_MET, CriterionResult

pytestmark = pytest.mark.django_db

#: The loop `rehab_episodes` replaced in rehab/panels/patient_rehab.html, with the criteria
#: include it held written out.
OLD = Template(
    "{% load clinic_tags criteria_tags %}"
    "{% for row in rows %}{% with status=row.status previous=row.previous %}\n"
    '    <div class="mb-3 rehab-episode">\n'
    '      <h3 class="h6 mb-1">Episode {{ status.episode.number }}</h3>\n'
    "      {% if status.stage %}\n"
    '        <p class="mb-1"><strong class="rehab-current-stage">{{ status.stage.label }}</strong> <span class="text-body-secondary small">{{ status.position }} &middot; {{ status.decision.get_clinician_final_dx_display }}</span></p>\n'
    '        <p class="small mb-1">To move on:</p>\n'
    "        {% with results=status.results %}"
    '<ul class="list-group list-group-flush rehab-criteria">\n'
    "  {% criteria_rows results %}\n</ul>\n{% endwith %}\n"
    '        <a class="btn btn-sm btn-outline-primary mt-2" href="{% uuid_url \'rehab:stage_change\' status.episode.public_id %}">{% if status.next_stage %}Move to next stage{% else %}Change stage{% endif %}</a>\n'
    "      {% else %}\n"
    '        <p class="text-body-secondary mb-0">{{ status.message }}</p>\n'
    "      {% endif %}\n"
    "      {% if previous %}\n"
    '      <div class="rehab-previous border-top mt-3 pt-2">\n'
    '        <h4 class="h6">Last time: episode {{ previous.episode.number }}{% if previous.episode.discharged_on %}, discharged {{ previous.episode.discharged_on|date:"j M Y" }}{% endif %}</h4>\n'
    '        <dl class="row small mb-0">\n'
    '          <dt class="col-5">Diagnosis</dt><dd class="col-7">{{ previous.diagnosis }}</dd>\n'
    '          <dt class="col-5">Stages</dt><dd class="col-7">{% for period in previous.periods %}{{ period.stage.label }}: {{ period.days }} day{{ period.days|pluralize }}{% if not forloop.last %}; {% endif %}{% empty %}None recorded{% endfor %}</dd>\n'
    '          {% if previous.stalled %}<dt class="col-5">Stalled in</dt><dd class="col-7">{{ previous.stalled.stage.label }} ({{ previous.stalled.days }} days, the longest)</dd>{% endif %}\n'
    '          <dt class="col-5">What was done</dt><dd class="col-7">{% for fact in previous.care %}{{ fact.label }}: {{ fact.items|join:", " }}{% if not forloop.last %}<br>{% endif %}{% empty %}Nothing recorded{% endfor %}</dd>\n'
    '          {% if previous.unmet_at_discharge %}<dt class="col-5">Unmet at discharge</dt><dd class="col-7">{% for row in previous.unmet_at_discharge %}{{ row.label }}{% if not forloop.last %}; {% endif %}{% endfor %}</dd>{% endif %}\n'
    "        </dl>\n"
    "      </div>\n"
    "      {% endif %}\n"
    "    </div>\n"
    "    {% endwith %}{% empty %}\n"
    '    <p class="text-body-secondary">No open episode.</p>\n'
    "    {% endfor %}"
)
NEW = Template("{% load rehab_panel_tags %}{% rehab_episodes rows %}")


def _status(number, *, stage=True, last=False, message=""):
    results = [
        CriterionResult("a", "Pain <3/10 & settled", "p", MET, "2/10", dt.date(2026, 3, 29), "log"),
        CriterionResult("b", "Hop test", "p", NOT_MET, "", None, ""),
        CriterionResult("c", "Strength", "p", NOT_MEASURED),
    ]
    return SimpleNamespace(
        episode=SimpleNamespace(number=number, public_id=uuid.uuid4()),
        stage=SimpleNamespace(label="Load <and> build") if stage else None,
        position="Stage 2 of 4" if stage else "",
        decision=SimpleNamespace(get_clinician_final_dx_display=lambda: "Achilles & calf"),
        results=results if stage else [],
        next_stage=None if last else SimpleNamespace(label="Return"),
        message=message,
    )


def _period(label, days):
    return SimpleNamespace(stage=SimpleNamespace(label=label), days=days)


def _previous(*, full):
    return SimpleNamespace(
        episode=SimpleNamespace(number=1, discharged_on=dt.date(2025, 11, 2) if full else None),
        diagnosis="Patellar <tendinopathy>",
        periods=[_period("Settle", 1), _period("Load & build", 12)] if full else [],
        stalled=_period("Load & build", 12) if full else None,
        care=[
            {"label": "Home exercises", "items": ["Calf <raise>", "Bridge"]},
            {"label": "Treatment in the clinic", "items": ["Taping"]},
        ]
        if full
        else [],
        unmet_at_discharge=[{"label": "Hop <test>"}, {"label": "Strength"}] if full else [],
    )


@pytest.mark.parametrize(
    "rows",
    [
        [],
        [{"status": _status(2), "previous": None}],
        [
            {"status": _status(3, last=True), "previous": _previous(full=True)},
            {
                "status": _status(4, stage=False, message="No <confirmed> diagnosis yet."),
                "previous": _previous(full=False),
            },
        ],
    ],
)
def test_it_draws_the_episodes_the_template_loop_drew(rows):
    drawn = NEW.render(Context({"rows": rows}))
    assert drawn == OLD.render(Context({"rows": rows}))


def test_what_a_clinician_typed_shows_as_text():
    rows = [{"status": _status(3, last=True), "previous": _previous(full=True)}]
    drawn = NEW.render(Context({"rows": rows}))
    assert "Patellar &lt;tendinopathy&gt;" in drawn
    assert "Calf &lt;raise&gt;, Bridge<br>Treatment in the clinic: Taping" in drawn
    assert "Settle: 1 day; Load &amp; build: 12 days" in drawn
    assert "Change stage" in drawn
    assert "discharged 2 Nov 2025" in drawn
