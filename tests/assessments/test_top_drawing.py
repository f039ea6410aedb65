"""The assessment page's top (banners, breadcrumb, heading) and its amendment box, drawn in
Python (assessments/templatetags/assessment_rows.py `assessment_top`, `amend_box`), draw exactly
what the template text they replaced drew (kept in tests/assessments/data/), in every state:
red flag or not on an intake and a follow-up, provisional, amended (draft or final amendment),
amending another version, started from an earlier one, draft or final."""

import datetime as dt
import itertools
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.utils import timezone

from assessments.models import Assessment, AssessmentDecision
from assessments.templatetags import assessment_rows
from assessments.templatetags.blank_forms import BlankForm
from clinic.models import User
from tests.drawing import drawn_and_templated
from treatment.forms import AmendForm

DATA = Path(__file__).parent / "data"
LOAD = "{% load blank_forms clinic_tags assessment_rows %}"
TOP_TEXT = LOAD + (DATA / "assessment_top.html").read_text()
AMEND_TEXT = LOAD + (DATA / "amend_box.html").read_text()

FLAG_LINES = [
    SimpleNamespace(text="Saddle <numbness>", action="refer the same day"),
    SimpleNamespace(text='Night pain & "weight loss"', action="Refer urgently."),
    SimpleNamespace(text="Fever", action=""),
]
EXPLANATIONS = [
    None,
    SimpleNamespace(is_red_flag=False, result=SimpleNamespace(provisional=False)),
    SimpleNamespace(is_red_flag=False, result=SimpleNamespace(provisional=True)),
    SimpleNamespace(
        is_red_flag=True,
        tier_title="Emergency <today>",
        flag_lines=FLAG_LINES,
        result=SimpleNamespace(provisional=False),
    ),
    SimpleNamespace(
        is_red_flag=True,
        tier_title="Urgent",
        flag_lines=FLAG_LINES[:1],
        result=SimpleNamespace(provisional=True),
    ),
]
SUPERSEDED = [
    None,
    Assessment(public_id=uuid.UUID("4c0f5b0e-1b1e-4a55-9a57-3e2b1f0c9d11"), version=3),
    Assessment(
        public_id=uuid.UUID("5c0f5b0e-1b1e-4a55-9a57-3e2b1f0c9d11"), version=3, status="final"
    ),
]


def _assessment(*, kind, status, supersedes, prefilled):
    assessment = Assessment(
        public_id=uuid.UUID("7d0f5b0e-1b1e-4a55-9a57-3e2b1f0c9d11"),
        kind=kind,
        status=status,
        version=2,
        assessed_on=dt.date(2026, 3, 29),
        finalised_at=dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC) if status == "final" else None,
        amendment_reason='Wrong side & "level"' if supersedes else "",
        prefilled_from="from the intake of <3 Mar>" if prefilled else "",
    )
    assessment.therapist = User(first_name="Sam", last_name="O'Neil <PT>", email="s@example.com")
    if supersedes:
        assessment.supersedes = Assessment(
            public_id=uuid.UUID("1a2b3c4d-1b1e-4a55-9a57-3e2b1f0c9d11"), version=1
        )
    return assessment


def _context(assessment, **values):
    return {
        "assessment": assessment,
        "patient": SimpleNamespace(
            public_id=uuid.UUID("2c0f5b0e-1b1e-4a55-9a57-3e2b1f0c9d11"), full_name="Ann <O'Neil>"
        ),
        "episode": SimpleNamespace(number=4),
        "csrf_token": "tok<en>",
        **values,
    }


@pytest.mark.parametrize("kind", ["intake", "follow_up"])
@pytest.mark.parametrize("explanation", EXPLANATIONS)
@pytest.mark.parametrize("superseded_by", SUPERSEDED)
def test_the_top_is_drawn_as_the_template_drew_it(kind, explanation, superseded_by):
    for status, supersedes, prefilled in itertools.product(
        ["draft", "final"], [False, True], [False, True]
    ):
        assessment = _assessment(
            kind=kind, status=status, supersedes=supersedes, prefilled=prefilled
        )
        context = _context(assessment, explanation=explanation, superseded_by=superseded_by)
        for zone in ("Europe/London", "Pacific/Auckland"):
            with timezone.override(zone):
                drawn, templated = drawn_and_templated(
                    LOAD, "{% assessment_top %}", TOP_TEXT, context
                )
                assert drawn == templated
    assert "Ann &lt;O&#x27;Neil&gt;" in drawn
    if explanation and explanation.is_red_flag:
        assert "redflag-banner" in drawn


@pytest.mark.parametrize("amend_form", [None, BlankForm(AmendForm)])
def test_the_amendment_box_is_drawn_as_the_template_drew_it(amend_form):
    assessment = _assessment(kind="intake", status="final", supersedes=False, prefilled=False)
    context = _context(assessment, amend_form=amend_form)
    # The four spaces before the tag are the template's own, before it and before the `if`.
    drawn, templated = drawn_and_templated(LOAD, "    {% amend_box %}", AMEND_TEXT, context)
    assert drawn == templated
    assert ('name="reason"' in drawn) == (amend_form is not None)


TITLE_TEXT = "{{ assessment.get_kind_display }} assessment &middot; {{ patient.full_name }}"


@pytest.mark.parametrize("kind", ["intake", "follow_up"])
def test_the_title_is_drawn_as_the_template_drew_it(kind):
    assessment = _assessment(kind=kind, status="final", supersedes=False, prefilled=False)
    drawn, templated = drawn_and_templated(
        LOAD, "{% assessment_title assessment patient %}", TITLE_TEXT, _context(assessment)
    )
    assert drawn == templated
    assert drawn.endswith("assessment &middot; Ann &lt;O&#x27;Neil&gt;")


@pytest.mark.parametrize(
    ("model", "name", "labels"),
    [
        (Assessment, "kind", assessment_rows._KIND),
        (Assessment, "status", assessment_rows._STATUS),
        (AssessmentDecision, "clinician_final_dx", assessment_rows._FINAL_DX),
    ],
)
def test_the_coded_labels_are_get_display(model, name, labels):
    """The labels kept per process read as `get_<field>_display()` does, for every choice
    and for a value outside them."""
    values = [value for value, _ in model._meta.get_field(name).flatchoices] + ["other-x", ""]
    for value in values:
        shown = assessment_rows._display(labels, value)
        assert shown == getattr(model(**{name: value}), f"get_{name}_display")()
        assert type(shown) is str
