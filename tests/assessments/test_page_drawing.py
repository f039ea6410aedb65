"""The assessment page's findings and reasons, drawn through `rows_html` (one pattern per list
instead of template steps per line): every value escaped, every line shown."""

import pytest
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe

from assessments.explain import explain
from assessments.templatetags.rows_html import rows_html

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
