"""The assessment page's findings and reasons, drawn through `rows_html` (one pattern per list
instead of template steps per line): every value escaped, every line shown."""

import pytest
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field
from django.template import Context, Template
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe

from assessments.explain import explain
from assessments.templatetags.rows_html import rows_html
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
