"""The assessment page's findings and reasons, drawn through `rows_html` (one pattern per list
instead of template steps per line): every value escaped, every line shown."""

from decimal import Decimal
from html import unescape

import pytest
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django.template import Context, Template
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe

from assessments.explain import explain
from assessments.models import Assessment
from assessments.templatetags import assessment_rows
from assessments.templatetags.rows_html import rows_html
from tests.assessments.factories import NEURAL_FINDINGS, AssessmentFactory
from treatment.forms import AmendForm

pytestmark = pytest.mark.django_db


def test_it_escapes_each_value_as_the_template_would():
    drawn = rows_html(
        [("<b>Tender</b> & sore", 3), (mark_safe("<i>kept</i>"), -1)], "<li>{} ({})</li>"
    )
    assert drawn == "<li>&lt;b&gt;Tender&lt;/b&gt; &amp; sore (3)</li><li><i>kept</i> (-1)</li>"


def test_it_shows_every_recorded_finding_and_reason(therapist_client, neural_final):
    response = therapist_client.get(reverse("assessments:detail", args=[neural_final.public_id]))
    page = response.content.decode()
    assert '<dt class="col-6">Side affected</dt><dd class="col-6">Left</dd>' in page
    for hypothesis in explain(neural_final.findings()).hypotheses:
        for text, points in hypothesis.supporting:
            assert f"<li>{escape(text)} (+{points})</li>" in page
        for text, points in hypothesis.against:
            assert f"<li>{escape(text)} ({points})</li>" in page


def test_it_draws_a_blank_field_as_crispy_does_and_a_refused_one_with_its_message():
    """`{% blank_field %}` keeps a blank field's markup per process; a bound one (a POST with
    errors) is drawn afresh with its value and message."""
    page = Template("{% load blank_forms %}{% blank_field form 'reason' %}")
    blank = page.render(Context({"form": AmendForm()}))
    assert blank == as_crispy_field(AmendForm()["reason"])
    assert page.render(Context({"form": AmendForm()})) == blank
    assert 'name="reason"' in blank

    refused = AmendForm({"reason": ""})
    refused.is_valid()
    drawn = page.render(Context({"form": refused}))
    assert "Give a reason for the amendment." in drawn
    assert drawn != blank
    typed = AmendForm({"reason": "Wrong <side>"})
    assert "Wrong &lt;side&gt;" in page.render(Context({"form": typed}))


# The loops the page drew before each list was drawn in one step (assessment_rows.py): each tag
# must draw exactly what its loop drew, with the same escaping and number formatting.
OLD_FINDINGS = """{% load rows_html %}{% for group in groups %}
        <h3 class="h6 mt-3">{{ group.title }}</h3>
        {% if group.recorded %}
          <dl class="row small mb-1 findings-list">
            {{ group.recorded|rows_html:'<dt class="col-6">{}</dt><dd class="col-6">{}</dd>' }}
          </dl>
        {% endif %}
        {% if group.missing %}<p class="small text-body-secondary mb-0">{{ group.missing }} item{{ group.missing|pluralize }} not recorded.</p>{% endif %}
      {% endfor %}"""
OLD_TABLE = """{% for h in explanation.hypotheses %}
            <tr><th scope="row">{{ h.name }}</th><td>{{ h.score }}</td><td>{{ h.support|floatformat:2 }}</td></tr>
          {% endfor %}"""
OLD_REASONS = """{% load rows_html %}{% for h in explanation.hypotheses %}
      <div class="mb-2 reasons-{{ h.key }}">
        <p class="fw-semibold mb-1">{{ h.name }}</p>
        {% if h.supporting %}<p class="small mb-0">For:</p><ul class="small mb-1">{{ h.supporting|rows_html:"<li>{} (+{})</li>" }}</ul>{% endif %}
        {% if h.against %}<p class="small mb-0">Against:</p><ul class="small mb-1">{{ h.against|rows_html:"<li>{} ({})</li>" }}</ul>{% endif %}
        {% if not h.supporting and not h.against %}<p class="small text-body-secondary mb-1">No recorded finding bears on this pattern.</p>{% endif %}
      </div>
    {% endfor %}"""
OLD_RESCREEN = """{% for row in rescreen %}
          <tr{% if row.worse %} class="table-danger"{% endif %}><th scope="row">{{ row.label }}</th>
            <td>{{ row.last }}</td><td>{{ row.now }}</td>
            <td>{% if row.worse %}<strong>{{ row.change }}</strong>{% else %}{{ row.change }}{% endif %}</td></tr>
        {% endfor %}"""
OLD_COMPARISON = """{% for row in comparison %}
            <tr><th scope="row">{{ row.label }}{% if row.help %}<div class="small fw-normal text-body-secondary">{{ row.help }}</div>{% endif %}</th>
              <td>{{ row.baseline|default_if_none:"&mdash;" }}</td><td>{{ row.now|default_if_none:"&mdash;" }}</td>
              <td>{% if row.change is not None %}{% if row.change > 0 %}+{% endif %}{{ row.change }}{% else %}&mdash;{% endif %}</td>
              <td>{{ row.reading|default:"&mdash;" }}</td></tr>
          {% endfor %}"""


def _both(old: str, tag: str, **context) -> tuple[str, str]:
    new = "{% load assessment_rows %}{% " + tag + " %}"
    return Template(old).render(Context(context)), Template(new).render(Context(context))


def _findings_by_group(assessment, *, is_intake: bool) -> list[dict]:
    """The findings card's context as the view built it before `assessment_findings` (stop 41's
    `explain.findings_by_group`): each section's recorded (label, text) and how many are blank,
    a follow-up's empty outcome section left out."""
    from assessments.diagnosis.schema import Group, fields_in_group
    from assessments.explain import GROUP_TITLES
    from assessments.rescreen import finding_text

    groups = []
    for group, title in GROUP_TITLES.items():
        recorded, missing = [], 0
        for spec in fields_in_group(group):
            value = getattr(assessment, spec.name)
            if value is None:
                missing += 1
                continue
            recorded.append((spec.label, finding_text(spec, value)))
        if recorded or group is not Group.OUTCOMES or is_intake:
            groups.append({"title": title, "recorded": recorded, "missing": missing})
    return groups


def _findings_both(assessment) -> tuple[str, str]:
    groups = _findings_by_group(assessment, is_intake=assessment.kind == "intake")
    return _both(
        OLD_FINDINGS, "assessment_findings assessment", groups=groups, assessment=assessment
    )


def test_it_draws_the_findings_and_suggestion_rows_as_the_template_loops_did(neural_final):
    for _ in range(2):  # afresh, then from the kept lines
        old, new = _findings_both(neural_final)
        assert new == old
    assert "item not recorded" in new or "items not recorded" in new
    explanation = explain(neural_final.findings())
    assert any(h.supporting for h in explanation.hypotheses)
    for old_loop, tag in ((OLD_TABLE, "hypotheses_table"), (OLD_REASONS, "hypotheses_reasons")):
        old, new = _both(old_loop, f"{tag} explanation", explanation=explanation)
        assert new == old


@pytest.mark.parametrize("kind", ["intake", "follow_up"])
@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"psfs_mean": Decimal("4.50"), "odi_percent": 40, "pain_quality": ["sharp", "burning"]},
        {"psfs_mean": Decimal("0.25")},
    ],
)
def test_it_draws_the_findings_card_as_the_view_and_loop_did(therapist, kind, extra):
    """Intake and follow-up, the outcome section empty or not (a follow-up leaves an empty one
    out), a decimal, a whole number and a list."""
    assessment = AssessmentFactory(
        therapist=therapist, final=True, kind=kind, findings={**NEURAL_FINDINGS, **extra}
    )
    for _ in range(2):
        old, new = _findings_both(Assessment.objects.get(pk=assessment.pk))
        assert new == old
    assert ("Outcome measures" in new) is (kind == "intake" or bool(extra))


def test_it_draws_a_finding_with_markup_escaped_and_never_keeps_safe_markup():
    """A label or text with markup is escaped as the loop escaped it; a value marked safe is
    drawn as it is and never kept (it equals, and hashes as, the same characters as text)."""
    import dataclasses

    from assessments.diagnosis.schema import FIELDS

    odd = dataclasses.replace(FIELDS["sex"], label="<b>x</b> & y")
    for value in (
        "<i>y</i> & z",
        mark_safe("<i>y</i> & z"),
        "<i>y</i> & z",
        mark_safe("<i>y</i> & z"),
    ):
        recorded = [(odd.label, value)]  # the text: a free text is its own (finding_text)
        old = Template(OLD_FINDINGS).render(
            Context({"groups": [{"title": "Odd", "recorded": recorded, "missing": 0}]})
        )
        line = assessment_rows._kept_finding_line(odd, value)
        assert line in old
    assert assessment_rows._kept_finding_line(odd, "<i>y</i> & z") == (
        '<dt class="col-6">&lt;b&gt;x&lt;/b&gt; &amp; y</dt><dd class="col-6">&lt;i&gt;y&lt;/i&gt; &amp; z</dd>'
    )
    assert assessment_rows._kept_finding_line(odd, mark_safe("<i>y</i> & z")).endswith(
        '<dd class="col-6"><i>y</i> & z</dd>'
    )


def test_it_draws_the_follow_up_tables_as_the_template_loops_did():
    from decimal import Decimal

    from assessments.rescreen import RescreenRow

    rescreen = [
        RescreenRow(name="a", label="Night pain", last="No", now="Yes", change="New", worse=True),
        RescreenRow(name="b", label="Saddle <area>", last="—", now="No", change="", worse=False),
    ]
    comparison = [
        {
            "label": "Pain now",
            "help": "0 to 10",
            "baseline": 6,
            "now": 3,
            "change": -3,
            "reading": "Better & real",
        },
        {"label": "SLR", "help": "", "baseline": None, "now": 70, "change": None, "reading": ""},
        {
            "label": "Score",
            "help": "",
            "baseline": Decimal("12.5"),
            "now": Decimal("20.0"),
            "change": Decimal("7.5"),
            "reading": None,
        },
        {"label": "Same", "help": "", "baseline": 4, "now": 4, "change": 0, "reading": "Same"},
        {"label": "Up", "help": "", "baseline": 1200, "now": 1500, "change": 300, "reading": ""},
    ]
    old, new = _both(OLD_RESCREEN, "rescreen_table rescreen", rescreen=rescreen)
    assert '<tr class="table-danger">' in new
    assert "Saddle &lt;area&gt;" in new
    assert new == old
    old, new = _both(OLD_COMPARISON, "comparison_table comparison", comparison=comparison)
    assert "<td>+7.5</td>" in new
    assert "<td>-3</td>" in new
    assert "Better &amp; real" in new
    assert new == old
    # A degree sign is written as a character reference: the table stays ASCII.
    degrees = {"label": "SLR (\u00b0)", "help": "", "baseline": 60, "now": 75, "change": 15}
    comparison.append({**degrees, "reading": "15\u00b0 more than the other side: notable"})
    old, new = _both(OLD_COMPARISON, "comparison_table comparison", comparison=comparison)
    assert new.isascii()
    assert "SLR (&#176;)" in new
    assert unescape(new) == unescape(old)


OLD_HEADING = """<h1 class="h3 mb-1">{{ assessment.get_kind_display }} assessment <span class="badge {% if assessment.is_final %}text-bg-primary{% else %}text-bg-warning{% endif %}">{{ assessment.get_status_display }}</span></h1>
    <p class="text-body-secondary mb-0">Version {{ assessment.version }} &middot; {{ assessment.assessed_on|date:"j M Y" }} &middot; {{ assessment.therapist }}{% if assessment.finalised_at %} &middot; finalised {{ assessment.finalised_at|date:"j M Y H:i" }}{% endif %}</p>"""
OLD_DECISION = """<p class="mb-1 decision-current"><strong>{{ decision.get_clinician_final_dx_display }}</strong>{% if decision.clinician_final_dx == "other" %}: {{ decision.other_dx_text }}{% endif %}
        &middot; {% if decision.is_override %}overrode the suggestion{% else %}confirmed the suggestion{% endif %}
        by {{ decision.confirmed_by }} on {{ decision.confirmed_at|date:"j M Y H:i" }} (rules {{ decision.model_version }}).</p>"""


@pytest.mark.parametrize("zone", ["Europe/London", "Australia/Sydney"])
def test_it_draws_the_heading_and_decision_as_the_template_did(neural_final, therapist, zone):
    import datetime as dt
    from types import SimpleNamespace

    from django.utils import timezone

    from assessments.models import Assessment, AssessmentDecision

    draft = Assessment(
        kind=neural_final.kind, status="draft", version=2, assessed_on=neural_final.assessed_on
    )
    draft.therapist = therapist
    therapist.first_name = "Tess <&>"
    with timezone.override(zone):  # the finalised and decided times in the active zone
        for assessment in (neural_final, draft):
            old, new = _both(OLD_HEADING, "assessment_heading assessment", assessment=assessment)
            assert new == old
        for final_dx, override in (("other", True), ("neural", False)):
            decision = SimpleNamespace(
                # The real label: the tag reads the field's labels, not this method.
                get_clinician_final_dx_display=lambda final_dx=final_dx: AssessmentDecision(
                    clinician_final_dx=final_dx
                ).get_clinician_final_dx_display(),
                clinician_final_dx=final_dx,
                other_dx_text="Bursitis <maybe> & more",
                is_override=override,
                confirmed_by=therapist,
                confirmed_at=dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC),
                model_version="1.2",
            )
            old, new = _both(OLD_DECISION, "decision_line decision", decision=decision)
            assert new == old
    assert "finalised" in _both(OLD_HEADING, "assessment_heading a", a=neural_final)[1]


OLD_BANNER_LINES = """{% for line in lines %}<li>{{ line.text }}.{% if line.action %} <strong>{{ line.action|capfirst }}{% if line.action|last != "." %}.{% endif %}</strong>{% endif %}</li>{% endfor %}"""
OLD_DECISION_LINES = """{% for line in lines %}<li>{{ line.text }}.{% if line.action %} {{ line.action|capfirst }}{% if line.action|last != "." %}.{% endif %}{% endif %}</li>{% endfor %}"""


def test_it_draws_red_flag_lines_as_the_template_loops_did():
    from assessments.explain import FlagLine

    lines = [
        FlagLine(tier="emergency", text="Saddle <numbness> & retention", action="send to A&E now"),
        FlagLine(tier="same_day", text="Night pain", action="See a GP today."),
        FlagLine(tier="urgent", text="Weight loss", action=""),
    ]
    for old_loop, tag in (
        (OLD_BANNER_LINES, "flag_items lines strong=True"),
        (OLD_DECISION_LINES, "flag_items lines"),
    ):
        old, new = _both(old_loop, tag, lines=lines)
        assert "Saddle &lt;numbness&gt; &amp; retention." in new
        assert "See a GP today." in new
        assert "today.." not in new  # an action ending in a full stop gets no second one
        assert new == old


OLD_DETAILS = """{% load rows_html %}{% with result=explanation.result %}{% if explanation.unscored %}<p class="small mb-1">Noted, not scored:</p><ul class="small">{% for text in explanation.unscored %}<li>{{ text }}</li>{% endfor %}</ul>{% endif %}

    {% if result.notes %}
      <h3 class="h6">Notes</h3>
      <ul class="small">{% for note in result.notes %}<li>{{ note }}</li>{% endfor %}</ul>
    {% endif %}
    {% if explanation.next_tests %}
      <h3 class="h6">Tests that would most change this result</h3>
      <ul class="small">{% for label, low, high in explanation.next_tests %}<li>{{ label }} (could move the margin by {{ low }} to +{{ high }})</li>{% endfor %}</ul>
    {% endif %}
    {% if explanation.not_done %}
      <h3 class="h6">Key tests not done</h3>
      <p class="small">{{ explanation.not_done|join:", " }}</p>
    {% endif %}
    <h3 class="h6">Red-flag screen</h3>
    <p class="small mb-0">{% if result.provisional %}Not completed.{% else %}Completed{% if explanation.red_flag_items %}: {{ explanation.red_flag_items|join:", " }}{% else %}, none present{% endif %}.{% endif %}</p>{% endwith %}"""


def test_it_draws_the_suggestion_details_as_the_template_did(neural_final):
    import dataclasses

    full = explain(neural_final.findings())
    variants = [
        full,
        dataclasses.replace(
            full,
            unscored=["<Odd> & noted"],
            next_tests=[("Slump <test>", -3, 4)],
            not_done=["A & B", "C"],
            red_flag_items=["Night <pain>"],
            result=dataclasses.replace(full.result, provisional=False, notes=("x < y",)),
        ),
        dataclasses.replace(
            full,
            unscored=[],
            next_tests=[],
            not_done=[],
            red_flag_items=[],
            result=dataclasses.replace(full.result, provisional=False, notes=()),
        ),
        dataclasses.replace(full, result=dataclasses.replace(full.result, provisional=True)),
    ]
    for explanation in variants:
        old, new = _both(OLD_DETAILS, "suggestion_details explanation", explanation=explanation)
        assert new == old


@pytest.mark.parametrize(
    "findings", [{}, {"rf_saddle_anaesthesia": True}, {"slump_test": "positive_differentiated"}]
)
def test_it_draws_an_unbuilt_decision_form_as_crispy_draws_the_built_one(findings):
    """The page keys the blank decision form by its pre-selected choice and whether the result
    is a red flag, without building it: the markup must be the built form's."""
    from crispy_forms.utils import render_crispy_form

    from assessments.forms import DecisionForm
    from assessments.templatetags.blank_forms import BlankForm

    current = explain(findings)
    unbuilt = BlankForm(
        DecisionForm, (current.suggested_dx, current.is_red_flag), result=current.result
    )
    page = Template("{% load blank_forms %}{% blank_form form helper=True %}")
    built = DecisionForm(result=current.result)
    assert page.render(Context({"form": unbuilt})) == render_crispy_form(built)
    assert unbuilt.initial["clinician_final_dx"] == current.suggested_dx
    assert ("confirm_red_flag_override" in unbuilt.fields) == current.is_red_flag


def test_it_draws_every_share_of_support_as_floatformat_did():
    """The table's shares are rounded as `floatformat` rounds them (the float's text, half up)
    before their text is looked up: halves, long fractions, the ends and tiny numbers."""
    from types import SimpleNamespace

    shares = [0.0, 1.0, 0.125, 0.005, 0.015, 0.675, 0.995, 0.9951, 1 / 3, 2 / 3, 1e-9, 0.5]
    shares += [i / 1000 for i in range(0, 1001, 7)] + [0.1 + 0.2, 5e-3 - 1e-18, 12.345]
    hypotheses = [SimpleNamespace(name=f"P{i}", score=i, support=s) for i, s in enumerate(shares)]
    explanation = SimpleNamespace(hypotheses=hypotheses)
    for _ in range(2):  # afresh, then from the kept texts
        old, new = _both(OLD_TABLE, "hypotheses_table explanation", explanation=explanation)
        assert new == old
    assert "<td>0.13</td>" in new  # 0.125 rounds half up, as the filter does


def test_it_draws_kept_reason_lines_as_afresh_and_never_keeps_safe_markup():
    from types import SimpleNamespace

    plain = SimpleNamespace(
        key="neural",
        name="Neural",
        supporting=[("Slump <positive> & more", 3), ("Yes", True)],
        against=[("Stretching relieves", -1)],
    )
    marked = SimpleNamespace(
        key="lumbar",
        name="Lumbar",
        supporting=[(mark_safe("Slump <positive> & more"), 3)],
        against=[("Stretching relieves", "-1 <b>")],
    )
    for _ in range(2):  # each drawn twice: afresh, then as kept
        explanation = SimpleNamespace(hypotheses=[plain, marked])
        old, new = _both(OLD_REASONS, "hypotheses_reasons explanation", explanation=explanation)
        assert new == old
    assert "<li>Slump &lt;positive&gt; &amp; more (+3)</li>" in new
    assert "<li>Slump <positive> & more (+3)</li>" in new
    assert "<li>Yes (+True)</li>" in new
    assert "<li>Stretching relieves (-1 &lt;b&gt;)</li>" in new


def test_a_kept_finding_line_is_the_line_drawn_afresh():
    """Yes/no, whole numbers, choices and free text are kept per process by their kind too (so
    True is never read back as 1); lists and decimals are drawn every time."""
    from assessments.diagnosis.schema import FIELDS
    from assessments.rescreen import finding_text

    values = {
        "night_pain": [True, False, 1, 0, True],
        "age_years": [40, 1, True, 40],
        "pain_quality": [["sharp", "burning"], ["sharp"]],
        "sex": ["female", "male", "<made up>", "female"],
        "tender_length_cm": [Decimal("4.5"), Decimal("4.50"), 4, Decimal("4.5")],
    }
    for name, seen in values.items():
        spec = FIELDS[name]
        for value in seen * 2:
            expected = rows_html(
                [(spec.label, finding_text(spec, value))], assessment_rows._FINDING
            )
            assert assessment_rows._kept_finding_line(spec, value) == expected, (name, value)


@pytest.mark.parametrize("zone", ["Europe/London", "Australia/Sydney", "America/New_York"])
def test_a_moment_is_drawn_to_the_minute_as_the_date_filter_draws_it(zone):
    """`date_to_minute` (the local day's text and the minute's, each kept) against the `date`
    filter with the heading's and the session note's formats on the days the clocks change,
    with seconds that must not show."""
    import datetime as dt

    from django.utils import timezone

    from clinic.filters import FilterText, date_to_minute

    starts = [
        dt.datetime(2026, 3, 28, 22, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 10, 24, 22, 0, tzinfo=dt.UTC),
    ]
    starts += [
        dt.datetime(2026, 4, 4, 14, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 1, 4, 0, tzinfo=dt.UTC),
    ]
    page = Template('{{ moment|date:"j M Y H:i" }}|{{ moment|date:"l j F Y, H:i" }}')
    with timezone.override(zone):
        for start in starts:
            for minutes in range(0, 8 * 60, 17):
                moment = start + dt.timedelta(minutes=minutes, seconds=minutes % 60, microseconds=7)
                for _ in range(2):
                    expected = page.render(Context({"moment": moment}))
                    drawn = (
                        date_to_minute(FilterText(), moment, "j M Y"),
                        date_to_minute(FilterText(), moment, "l j F Y", ", "),
                    )
                    assert "|".join(drawn) == expected


@pytest.mark.parametrize(
    "findings", [{}, {"rf_saddle_anaesthesia": True}, {"slump_test": "positive_differentiated"}]
)
def test_it_draws_the_suggestion_card_as_its_template(neural_final, findings):
    """`{% suggestion_card %}` draws what `{% include "assessments/includes/suggestion.html" %}`
    drew, escaping each value; with the current rules' suggestion beside a decision made under
    other rules (`current`) it renders the template."""
    import dataclasses

    from assessments.templatetags.assessment_rows import SUGGESTION_TEMPLATE

    include = '{% include "' + SUGGESTION_TEMPLATE + '" %}'
    full = explain(neural_final.findings())
    odd = dataclasses.replace(
        full,
        support_caption="<odd> & caption",
        result=dataclasses.replace(
            full.result, summary="A <b>summary</b> & more", confidence="low & <i>", notes=("x",)
        ),
    )
    for explanation in (full, explain(findings), odd):
        for current in (None, explain({"rf_saddle_anaesthesia": True})):
            old, new = _both(
                include,
                "suggestion_card explanation current",
                explanation=explanation,
                current=current,
            )
            assert new == old
            assert ("current-rules" in new) == (current is not None)
    old, new = _both(include, "suggestion_card explanation current", explanation=odd, current=None)
    assert "A &lt;b&gt;summary&lt;/b&gt; &amp; more" in new
    assert "&lt;odd&gt; &amp; caption" in new


def _decision_contexts(therapist) -> list[dict]:
    """The page's context (`_detail_context`) for assessments in each of the decision card's
    states: undecided, not final, provisional, decided with and without a red flag and an
    override's reason, decided twice (the earlier decisions), superseded, bound form."""
    from assessments.forms import DecisionForm
    from assessments.models import Assessment
    from assessments.services import decision_record
    from assessments.views import _detail_context
    from tests.assessments.factories import NEURAL_FINDINGS, AssessmentFactory

    dvt = {**NEURAL_FINDINGS, "rf_calf_swelling_warmth": True, "rf_dvt_risk_factor": True}
    undecided = AssessmentFactory(therapist=therapist, final=True, findings=NEURAL_FINDINGS)
    draft = AssessmentFactory(therapist=therapist, findings=NEURAL_FINDINGS)
    provisional = AssessmentFactory(
        therapist=therapist, final=True, findings={"slump_test": "positive_differentiated"}
    )
    flagged = AssessmentFactory(therapist=therapist, final=True, findings=dvt)
    decision_record(assessment=flagged, by=therapist, final_dx="red_flag_referral")
    overridden = AssessmentFactory(therapist=therapist, final=True, findings=NEURAL_FINDINGS)
    decision_record(
        assessment=overridden, by=therapist, final_dx="lumbar", override_reason="<b>Not</b> & so"
    )
    twice = AssessmentFactory(therapist=therapist, final=True, findings=NEURAL_FINDINGS)
    decision_record(assessment=twice, by=therapist, final_dx="neural")
    decision_record(assessment=twice, by=therapist, final_dx="lumbar", override_reason="later")
    found = [
        Assessment.objects.get(pk=a.pk)
        for a in (undecided, draft, provisional, flagged, overridden, twice)
    ]
    contexts = [{"assessment": a, **_detail_context(a)} for a in found]
    superseded = {**contexts[0], "superseded_by": found[1]}
    bound = _detail_context(
        found[0], decision_form=DecisionForm({}, result=contexts[0]["explanation"].result)
    )
    return [*contexts, superseded, {"assessment": found[0], **bound}]


def test_it_draws_the_decision_card_as_its_template(therapist):
    """`{% decision_card %}` draws what `{% include "assessments/includes/decision.html" %}`
    drew from the page's context (with a CSRF token), escaping each value; with earlier
    decisions it renders the template."""
    from assessments.templatetags.assessment_rows import DECISION_TEMPLATE

    include = '{% include "' + DECISION_TEMPLATE + '" %}'
    seen = set()
    for values in _decision_contexts(therapist):
        old, new = _both(include, "decision_card", csrf_token="tok<en>", **values)
        assert new == old
        for mark in (
            "decision-flags",
            "Earlier decisions",
            "Not confirmed yet",
            "Finalise the assessment",
            "Complete the red-flag screen",
            "Decide on the latest version",
            "&lt;b&gt;Not&lt;/b&gt; &amp; so",
            "Record a new decision",
            "Confirm diagnosis",
            'value="tok&lt;en&gt;"',
            "red-flag referral. Choosing",
        ):
            if mark in new:
                seen.add(mark)
    assert len(seen) == 11, seen


# The two includes a follow-up drew before `followup_cards` (stop 50), as they were.
OLD_FOLLOWUP = """{% load clinic_tags assessment_rows %}<section class="card mb-3 rescreen" aria-labelledby="rescreen-heading">
  <div class="card-body">
    <h2 class="h5" id="rescreen-heading">Red flags and nerves: compared with the last visit</h2>
    {% if last_visit %}
      <p class="small text-body-secondary">Last visit: <a href="{% uuid_url 'assessments:detail' last_visit.public_id %}">{{ last_visit.get_kind_display|lower }} of {{ last_visit.assessed_on|date:"j M Y" }}</a>.</p>
      <p class="fw-semibold rescreen-summary">{{ rescreen_summary }}</p>
    {% else %}
      <p class="rescreen-summary">There is no earlier final assessment on this episode to compare with.</p>
    {% endif %}
    <div class="table-responsive">
      <table class="table table-sm">
        <thead><tr><th scope="col">Question or test</th><th scope="col">Last visit</th><th scope="col">Now</th><th scope="col">Change</th></tr></thead>
        <tbody>
        {% rescreen_table rescreen %}
        </tbody>
      </table>
    </div>
  </div>
</section>
<section class="card mb-3" aria-labelledby="comparison-heading">
  <div class="card-body">
    <h2 class="h5" id="comparison-heading">Compared with the intake</h2>
    {% if baseline %}
      <p class="small text-body-secondary">Baseline: <a href="{% uuid_url 'assessments:detail' baseline.public_id %}">intake of {{ baseline.assessed_on|date:"j M Y" }}</a>.</p>
      {% if comparison %}
      <div class="table-responsive">
        <table class="table table-sm">
          <thead><tr><th scope="col">Measure</th><th scope="col">Intake</th><th scope="col">Now</th><th scope="col">Change</th><th scope="col">Reading</th></tr></thead>
          <tbody>
          {% comparison_table comparison %}
          </tbody>
        </table>
      </div>
      {% else %}<p class="small mb-0">No measure was recorded on both occasions.</p>{% endif %}
    {% else %}
      <p class="mb-0">There is no final intake on this episode to compare with.</p>
    {% endif %}
  </div>
</section>
"""


def test_it_draws_the_follow_up_cards_as_the_includes_did():
    import datetime as dt
    import uuid

    from assessments.rescreen import RescreenRow

    follow_up = Assessment(kind="follow_up", public_id=uuid.uuid4())
    last = Assessment(kind="intake", public_id=uuid.uuid4(), assessed_on=dt.date(2026, 3, 4))
    intake = Assessment(kind="intake", public_id=uuid.uuid4(), assessed_on=dt.date(2026, 2, 1))
    rows = [
        RescreenRow(name="a", label="Night <pain>", last="No", now="Yes", change="New", worse=True)
    ]
    measures = [
        {"label": "Pain", "help": "", "baseline": 6, "now": 3, "change": -3, "reading": "Better"}
    ]
    cases = [
        {
            "last_visit": last,
            "rescreen_summary": "New & <worse>",
            "baseline": intake,
            "comparison": measures,
        },
        {"last_visit": None, "rescreen_summary": "", "baseline": None, "comparison": []},
        {"last_visit": last, "rescreen_summary": "Same.", "baseline": intake, "comparison": []},
    ]
    for case in cases:
        context = {"assessment": follow_up, "rescreen": rows, **case}
        old = Template(OLD_FOLLOWUP).render(Context(context))
        new = Template("{% load followup_cards %}{% followup_cards %}").render(Context(context))
        assert new == old
    intake_page = Template("{% load followup_cards %}{% followup_cards %}")
    assert intake_page.render(Context({"assessment": intake})) == ""
