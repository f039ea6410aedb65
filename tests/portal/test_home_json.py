"""The portal home statement's panel rows arrive as JSON text and are decoded by
pydantic_core's `from_json` (`portal.selectors._JSONText`): the same values `json.loads`
gives, whatever the text."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import time_machine

from portal.selectors import _home_statement, _JSONText
from tests.exercises.factories import confirmed_decision, log, published_plan
from tests.patients.factories import EpisodeFactory, PatientFactory

NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)

TEXTS = [
    "[]",
    '[{"a": 1, "b": null, "c": true, "d": false}]',
    '[{"score": 0.1, "big": 123456789012345678901234567890, "neg": -2.5e-07}]',
    '[{"text": "caf\\u00e9 \\u2014 \\"quoted\\" \\\\ back\\nslash", "emoji": "\\ud83c\\udfc3"}]',
    '[{"nested": {"list": [1, [2, {"x": "y"}]], "empty": {}}}]',
    '[{"lone": "\\ud800"}]',  # a lone surrogate: from_json refuses it, json.loads answers
    '{"not": "a list"}',
]


@pytest.mark.parametrize("text", TEXTS)
def test_it_decodes_as_json_loads_does(text):
    decoded = _JSONText().from_db_value(text, None, None)
    assert decoded == json.loads(text)
    assert json.dumps(decoded) == json.dumps(json.loads(text))


def test_it_keeps_null():
    assert _JSONText().from_db_value(None, None, None) is None


@pytest.mark.django_db
def test_the_home_statement_gives_every_panel_read_decoded(patient_user, therapist):
    me = PatientFactory(user=patient_user)
    with time_machine.travel(NOW, tick=False):
        plan = published_plan(therapist=therapist, patient=me, start_date=NOW.date())
        log(plan, NOW.date())
        confirmed_decision(
            episode=EpisodeFactory(patient=me), therapist=therapist, final_dx="neural"
        )
    (row,) = _home_statement(user_id=patient_user.pk, day=NOW.date(), now=NOW)
    reads = {name: value for name, value in row.items() if "." in name}
    del reads["patients.phone_text"]  # the patient's own column
    assert reads["exercises.on_hold"] is False
    lists = {name: value for name, value in reads.items() if name != "exercises.on_hold"}
    assert lists
    assert all(isinstance(value, list) for value in lists.values())
    (found,) = lists["exercises.plan"]
    assert found["logged_on_day"] is True
    assert [item["key"] for item in found["current_version"]["items"]] == [
        item["key"] for item in plan.current_version.items
    ]
    assert lists["assessments.decisions"]
