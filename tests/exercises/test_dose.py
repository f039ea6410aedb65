"""The whole dose in correct English, and doses outside sensible ranges refused (issue 16,
item 1 and "Bad input")."""

from __future__ import annotations

import importlib
import re

import pytest
from django.apps import apps as django_apps
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from exercises.dose import DOSE_RANGES, WholeDose, dose_text, whole_dose
from exercises.models import Exercise, PlanItem
from tests.exercises.factories import library, published_plan


@pytest.mark.parametrize(
    ("dose", "each_side", "expected"),
    [
        (
            {"sets": 2, "reps": 10, "times_per_day": 2, "days_per_week": 7},
            False,
            "2 sets of 10 · twice a day · every day",
        ),
        ({"sets": 1, "reps": 10}, False, "1 set of 10"),
        ({"reps": 1}, False, "1 repetition"),
        ({"reps": 8}, False, "8 repetitions"),
        ({"sets": 1}, False, "1 set"),
        ({"sets": 3}, False, "3 sets"),
        ({"sets": 1, "reps": 3, "hold_seconds": 1}, False, "1 set of 3 · hold 1 second"),
        ({"sets": 1, "reps": 3, "hold_seconds": 20}, False, "1 set of 3 · hold 20 seconds"),
        ({"duration_minutes": 1, "times_per_day": 1}, False, "1 minute · once a day"),
        ({"duration_minutes": 10, "days_per_week": 3}, False, "10 minutes · 3 days a week"),
        ({"sets": 2, "reps": 5, "days_per_week": 1}, False, "2 sets of 5 · 1 day a week"),
        ({"reps": 10, "times_per_day": 3}, False, "10 repetitions · 3 times a day"),
        (
            {"sets": 3, "reps": 8, "times_per_day": 1, "days_per_week": 2},
            True,
            "3 sets of 8 each side · once a day · 2 days a week",
        ),
        (
            {"sets": 2, "reps": 6, "hold_seconds": 5},
            True,
            "2 sets of 6 each side · hold 5 seconds",
        ),
        ({"duration_minutes": 2}, True, "2 minutes each side"),
        ({}, False, ""),
        ({"times_per_day": 2}, True, "twice a day"),  # no amount: nothing to do "each side"
        ({"sets": 0, "reps": None, "days_per_week": 7}, False, "every day"),
    ],
)
def test_it_writes_the_dose_in_correct_english(dose, each_side, expected):
    assert dose_text(dose, each_side=each_side) == expected


DOSES = st.fixed_dictionaries(
    {},
    optional={
        name: st.none() | st.integers(min_value=low, max_value=high)
        for name, (low, high, _unit) in DOSE_RANGES.items()
    },
)


@given(dose=DOSES, each_side=st.booleans())
def test_it_never_writes_a_plural_for_one_or_a_singular_for_many(dose, each_side):
    text = dose_text(dose, each_side=each_side)
    assert not re.search(r"(?<![\d.])1 (sets|repetitions|seconds|minutes|days)\b", text)
    assert not re.search(r"\b([02-9]|\d\d+) (set|repetition|second|minute|day)\b", text)
    assert not re.search(r"(?<!\d)[12] times", text)  # "once", "twice"
    amount = any(dose.get(name) for name in ("sets", "reps", "hold_seconds", "duration_minutes"))
    assert text.count("each side") == (1 if each_side and amount else 0)


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        # today's snapshot: the line and the note are kept apart
        (
            {"dose_text": "3 sets of 6 · once a day", "dose_note": "Never two days in a row."},
            WholeDose("3 sets of 6 · once a day", "Never two days in a row."),
        ),
        # a version frozen before: no structured dose, so the note was stored as the line
        (
            {"dose_text": "Over 3 to 6 weeks.", "dose_note": "Over 3 to 6 weeks."},
            WholeDose("", "Over 3 to 6 weeks."),
        ),
        ({"dose_text": "2 sets of 10", "dose_note": ""}, WholeDose("2 sets of 10", "")),
        ({}, WholeDose("", "")),
    ],
)
def test_it_reads_the_whole_dose_of_any_version(entry, expected):
    assert whole_dose(entry) == expected


def test_it_writes_the_whole_dose_as_one_line_for_an_email():
    assert (
        str(WholeDose("3 sets of 4 · 2 days a week", "Every third day."))
        == "3 sets of 4 · 2 days a week. Every third day."
    )
    assert str(WholeDose("", "Every third day.")) == "Every third day."
    assert str(WholeDose("1 set of 10", "")) == "1 set of 10"


@pytest.mark.django_db
def test_it_keeps_the_library_note_and_each_side_in_the_snapshot(therapist):
    plan = published_plan(therapist=therapist, codes=("EX-A04", "EX-A06", "EX-L02"))
    diver, hinge, press_up = plan.current_version.items
    assert diver["dose_text"] == "3 sets of 6 · once a day · 3 days a week"
    assert "never two days in a row" in diver["dose_note"].lower()
    assert hinge["dose_text"] == "3 sets of 8 each side · once a day · 2 days a week"
    assert hinge["each_side"] is True
    assert diver["each_side"] is False
    assert "every 2 to 3 hours" in press_up["dose_note"]
    assert press_up["dose_text"] == "1 set of 10 · twice a day · every day"


@pytest.mark.django_db
def test_it_marks_the_library_exercises_done_on_each_side():
    sided = set(Exercise.objects.filter(each_side=True).values_list("code", flat=True))
    assert sided == {"EX-L06", "EX-L07", "EX-L10", "EX-L11", "EX-A06"}


# --- The data migration -----------------------------------------------------------------

MIGRATION = importlib.import_module("exercises.migrations.0010_exercise_each_side_and_dose_notes")


@pytest.mark.django_db
def test_it_corrects_the_shipped_texts_of_an_existing_library_but_keeps_a_therapists_note():
    shipped = {code: old for code, (old, _new) in MIGRATION.DOSE_NOTES.items()}
    Exercise.objects.filter(code="EX-A04").update(dose_note=shipped["EX-A04"])
    Exercise.objects.filter(code="EX-A05").update(dose_note="Our own words for the Glider.")
    extender = Exercise.objects.get(code="EX-A03")
    wrong, right = MIGRATION.STEPS["EX-A03"]
    extender.instructions = ["Lie on your back.", wrong]
    extender.save()
    Exercise.objects.filter(code="EX-L06").update(each_side=False)

    MIGRATION.correct(django_apps, None)

    notes = dict(Exercise.objects.values_list("code", "dose_note"))
    assert notes["EX-A04"] == MIGRATION.DOSE_NOTES["EX-A04"][1]
    assert notes["EX-A05"] == "Our own words for the Glider."
    extender.refresh_from_db()
    assert extender.instructions == ["Lie on your back.", right]
    assert Exercise.objects.get(code="EX-L06").each_side


# --- Doses out of range -----------------------------------------------------------------

OUT_OF_RANGE = [
    ("sets", "0", "Choose between 1 and 10 sets."),
    ("sets", "11", "Choose between 1 and 10 sets."),
    ("reps", "51", "Choose between 1 and 50 repetitions."),
    ("hold_seconds", "121", "Choose between 1 and 120 seconds."),
    ("duration_minutes", "61", "Choose between 1 and 60 minutes."),
    ("duration_minutes", "0", "Choose between 1 and 60 minutes."),
    ("times_per_day", "13", "Choose between 1 and 12 times a day."),
    ("days_per_week", "8", "Choose between 1 and 7 days."),
    ("days_per_week", "-1", "Choose between 1 and 7 days."),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("field", "value", "message"), OUT_OF_RANGE)
def test_it_refuses_a_plan_dose_out_of_range_next_to_the_field(
    therapist_client, therapist, field, value, message
):
    plan = published_plan(therapist=therapist, codes=("EX-N01", "EX-A04"))
    first, second = plan.items.order_by("position")
    response = therapist_client.post(
        reverse("exercises:plan_doses", args=[plan.public_id]),
        {f"{first.public_id}-sets": "3", f"{second.public_id}-{field}": value},
    )
    assert response.status_code == 400
    body = response.content.decode()
    card = body[body.index(f'id="item-{second.public_id}"') :]
    card = card[: card.index("</li>")]
    assert message in card
    assert body.count(message) == 1
    # nothing stored, not even the good value beside it
    assert list(PlanItem.objects.filter(plan=plan).values_list(field, "sets")) == [(None, None)] * 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"), [("sets", "10"), ("reps", "50"), ("times_per_day", "12")]
)
def test_it_accepts_a_plan_dose_at_the_ends_of_its_range(therapist_client, therapist, field, value):
    plan = published_plan(therapist=therapist, codes=("EX-N01",))
    item = plan.items.get()
    response = therapist_client.post(
        reverse("exercises:plan_doses", args=[plan.public_id]), {f"{item.public_id}-{field}": value}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert getattr(item, field) == int(value)


@pytest.mark.django_db
@pytest.mark.parametrize(("field", "value", "message"), OUT_OF_RANGE[::2])
def test_it_refuses_a_library_default_dose_out_of_range(therapist_client, field, value, message):
    exercise = library("EX-A04")[0]
    data = {
        "code": exercise.code,
        "name": exercise.name,
        "tags": exercise.tags,
        "phases": exercise.phases,
        "sets": "3",
        "reps": "6",
        "instructions": "\n".join(exercise.instructions),
        field: value,
    }
    response = therapist_client.post(
        reverse("exercises:exercise_edit", args=[exercise.public_id]), data
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    exercise.refresh_from_db()
    assert (exercise.sets, exercise.reps, exercise.days_per_week) == (3, 6, 3)
