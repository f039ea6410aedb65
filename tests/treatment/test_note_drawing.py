"""The session note's top and a signed version's record, drawn in Python
(treatment/templatetags/session_rows.py `note_top`, `signed_note`), draw exactly what the
template text they replaced drew (kept in tests/treatment/data/), in every state: amended or
not, amending another version or not, the patient's words with markup, each re-test outcome,
a stored re-run or none, the review set or not."""

import datetime as dt
import itertools
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.utils import timezone

from assessments.templatetags.blank_forms import BlankForm
from clinic.models import User
from tests.drawing import drawn_and_templated
from treatment.forms import AmendForm
from treatment.models import TreatmentGiven, TreatmentSession

DATA = Path(__file__).parent / "data"
LOAD = "{% load blank_forms clinic_tags crispy_forms_tags session_rows %}"
TOP_TEXT = LOAD + (DATA / "note_top.html").read_text()
SIGNED_TEXT = LOAD + (DATA / "signed_note.html").read_text()

RERUN = {
    "before": {"label_name": "neural <tension>", "confidence": "low"},
    "after": {
        "label_name": "radicular pain",
        "confidence": "high",
        "summary": 'Slump & SLR "better"',
        "reasons": [
            {"text": "Slump positive <L>", "points": {"radicular": 2, "acute_strain": -1}},
            {"text": "No night pain", "points": {"radicular": 0}},
        ],
    },
    "changes": ["Slump: 30 → 10", "SLR <b>"],
    "rules_version": "1.2",
    "assessment": "0b7c3a52-3f7e-4a55-9a57-3e2b1f0c9d11",
}


def _session(*, status, supersedes, words, outcome, review_on, weeks, plan):
    therapist = User(first_name="Sam", last_name="O'Neil <PT>", email="sam@example.com")
    session = TreatmentSession(
        public_id=uuid.UUID("7d0f5b0e-1b1e-4a55-9a57-3e2b1f0c9d11"),
        status=status,
        version=3,
        patient_words=words,
        retest_after_lumbar_treatment=outcome,
        plan_changes=plan,
        review_on=review_on,
        review_interval_weeks=weeks,
        amendment_reason='Wrong side & "level"' if supersedes else "",
        signed_at=dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC) if status == "signed" else None,
    )
    session.therapist = therapist
    if status == "signed":
        session.signed_by = therapist
    if supersedes:
        session.supersedes = TreatmentSession(
            public_id=uuid.UUID("1a2b3c4d-1b1e-4a55-9a57-3e2b1f0c9d11"), version=2
        )
    return session


def _context(session, *, superseded_by, rerun, since, treatments):
    return {
        "session": session,
        "patient": SimpleNamespace(
            public_id=uuid.UUID("2c0f5b0e-1b1e-4a55-9a57-3e2b1f0c9d11"), full_name="Ann <O'Neil>"
        ),
        "episode": SimpleNamespace(
            number=2, public_id=uuid.UUID("3c0f5b0e-1b1e-4a55-9a57-3e2b1f0c9d11")
        ),
        "appointment": SimpleNamespace(
            appointment_type=SimpleNamespace(name='Follow-up "30"'),
            start=dt.datetime(2026, 4, 4, 13, 59, tzinfo=dt.UTC),
        ),
        "since": since,
        "superseded_by": superseded_by,
        "changes": [
            {"name": "h_test", "label": "H-test", "before": "12", "after": "8", "change": "<b>"}
        ],
        "treatments": treatments,
        "retest": {"rerun": rerun, "applies": rerun is not None},
        "amend_form": BlankForm(AmendForm),
        "csrf_token": "tok<en>",
    }


SINCE = {
    "from": dt.date(2026, 3, 1),
    "to": dt.date(2026, 3, 29),
    "previous_visit": True,
    "logs": 2,
    "exercises_done_percent": 50,
    "pain_during_average": 3,
    "pain_during_worst": 4,
    "pain_after_average": 2,
    "pain_after_worst": 3,
    "next_morning_answers": 0,
    "worse_next_morning": 0,
    "lasting_pins_and_needles": 0,
    "urgent_symptoms": [],
    "comments": [{"date": dt.date(2026, 3, 3), "text": "Sore <b>"}],
}
TREATMENTS = [
    TreatmentGiven(kind="lumbar_mobilisation", technique="rotation", level="L4", grade=3),
    TreatmentGiven(kind="neural_mobilisation", note='Felt "easier" <b>'),
]
SUPERSEDED = [
    None,
    TreatmentSession(public_id=uuid.UUID("4c0f5b0e-1b1e-4a55-9a57-3e2b1f0c9d11"), version=4),
    TreatmentSession(
        public_id=uuid.UUID("5c0f5b0e-1b1e-4a55-9a57-3e2b1f0c9d11"), version=4, status="signed"
    ),
]


@pytest.mark.parametrize("status", ["draft", "signed"])
@pytest.mark.parametrize("superseded_by", SUPERSEDED)
@pytest.mark.parametrize("supersedes", [False, True])
@pytest.mark.parametrize("since", [SINCE, None])
def test_the_top_is_drawn_as_the_template_drew_it(status, superseded_by, supersedes, since):
    session = _session(
        status=status,
        supersedes=supersedes,
        words="",
        outcome="",
        review_on=None,
        weeks=None,
        plan="",
    )
    context = _context(
        session, superseded_by=superseded_by, rerun=None, since=since, treatments=TREATMENTS
    )
    for zone in ("Europe/London", "Pacific/Auckland"):
        with timezone.override(zone):
            drawn, templated = drawn_and_templated(LOAD, "{% note_top %}", TOP_TEXT, context)
            assert drawn == templated
    assert "Ann &lt;O&#x27;Neil&gt;" in drawn
    if supersedes:
        assert "Wrong side &amp; &quot;level&quot;" in drawn


@pytest.mark.parametrize("superseded_by", SUPERSEDED)
@pytest.mark.parametrize("rerun", [None, RERUN])
@pytest.mark.parametrize("words", ["", 'Better <b>\nat "night" & day'])
@pytest.mark.parametrize("outcome", ["", *TreatmentSession.RetestOutcome.values])
def test_a_signed_record_is_drawn_as_the_template_drew_it(superseded_by, rerun, words, outcome):
    for (review_on, weeks, plan), treatments in itertools.product(
        [(None, None, ""), (dt.date(2026, 5, 1), 2, "Add <hops>\nlater")], [TREATMENTS, []]
    ):
        session = _session(
            status="signed",
            supersedes=False,
            words=words,
            outcome=outcome,
            review_on=review_on,
            weeks=weeks,
            plan=plan,
        )
        context = _context(
            session, superseded_by=superseded_by, rerun=rerun, since=SINCE, treatments=treatments
        )
        drawn, templated = drawn_and_templated(LOAD, "{% signed_note %}", SIGNED_TEXT, context)
        assert drawn == templated
    assert ("data-rerun" in drawn) == (rerun is not None)
    assert ("amend-heading" in drawn) == (superseded_by is None)
    if superseded_by is None:
        assert 'value="tok&lt;en&gt;"' in drawn or "tok<en>" in drawn
    if words:
        assert "Better &lt;b&gt;<br>at &quot;night&quot; &amp; day" in drawn
