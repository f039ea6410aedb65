"""No exercise tells the patient two things about pain at once (issue 16, item 6).

An instruction that says to stop before any pain, beside stop rules that allow some (or the
other way round), leaves the patient to guess which one counts. Walks every exercise of the
shipped library (library.json) and of the database (rows loaded and corrected by migrations).
"""

from __future__ import annotations

import json
import re

import pytest

from exercises.library import LIBRARY_FILE
from exercises.models import Exercise

#: Wording that allows no pain at all.
NO_PAIN = re.compile(
    r"before (you feel )?(any )?pain|before it hurts|pain[- ]free|without (any )?pain"
    r"|(should|must) not hurt|no pain at all|stop if (you feel )?any pain|stop if it hurts",
    re.IGNORECASE,
)
#: Wording that allows some pain.
SOME_PAIN = re.compile(
    r"pain is (ok|fine|allowed)|(some|mild|a little) pain"
    r"|(no more than|up to|at most) (about )?\d+ ?(out of|/) ?10",
    re.IGNORECASE,
)


def contradictions(entry: dict) -> list[str]:
    """What an exercise says about pain that its other text contradicts (empty if none)."""
    steps, rules = " ".join(entry["instructions"]), " ".join(entry["stop_rules"])
    found = []
    if NO_PAIN.search(steps) and SOME_PAIN.search(rules):
        found.append("the steps allow no pain while the stop rules allow some")
    if SOME_PAIN.search(steps) and NO_PAIN.search(rules):
        found.append("the steps allow some pain while the stop rules allow none")
    return found


SHIPPED = json.loads(LIBRARY_FILE.read_text(encoding="utf-8"))


@pytest.mark.parametrize("entry", SHIPPED, ids=[entry["code"] for entry in SHIPPED])
def test_it_ships_no_exercise_that_contradicts_itself_about_pain(entry):
    assert contradictions(entry) == []


@pytest.mark.django_db
def test_it_leaves_no_library_row_that_contradicts_itself_about_pain():
    rows = Exercise.objects.values("code", "instructions", "stop_rules")
    assert len(rows) >= len(SHIPPED)
    assert {row["code"]: contradictions(row) for row in rows if contradictions(row)} == {}


@pytest.mark.parametrize(
    ("steps", "rules"),
    [
        # the Extender and the Glider as they shipped before issue 16
        (["Slowly straighten the knee.", "Stop before you feel any pain."], ["Some pain is OK."]),
        (["Slide back. Stop before it hurts."], ["No more than about 2 out of 10."]),
        (["Keep it pain-free."], ["Mild pain up to 3/10 is fine."]),
        (["A little pain is fine."], ["Stop if you feel any pain."]),
    ],
)
def test_it_catches_a_contradiction_about_pain(steps, rules):
    assert contradictions({"instructions": steps, "stop_rules": rules})


def test_it_lets_consistent_wording_pass():
    assert not contradictions(
        {
            "instructions": ["Straighten only as far as mild pain allows: 2 out of 10 at most."],
            "stop_rules": ["Some pain is OK, but no more than about 2 out of 10."],
        }
    )
